// Node's deprecation warnings off for `deno task k8s`: a dependency of kubernetes-models imports node:punycode, and
// its warning on every run says nothing about the manifests. Imported before those packages.
import process from "node:process";
(process as { noDeprecation?: boolean }).noDeprecation = true;
