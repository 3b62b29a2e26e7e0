// Packages only `deno task k8s` loads: typed, schema-validated Kubernetes objects and a YAML writer. Kept out of
// deno.json's import map (everything there is installed on a user's first `deno task bench`); pinned here, locked in
// tests/deno.lock, which the k8s task passes with --lock.
export { Job } from "npm:kubernetes-models@5.1.0/batch/v1";
export { PersistentVolumeClaim } from "npm:kubernetes-models@5.1.0/v1";
export { parseAllDocuments, stringify } from "npm:yaml@2.9.1";
