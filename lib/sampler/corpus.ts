/** The public-domain text prompts are cut from (Shakespeare's sonnets, data/sonnets.txt). */
export async function loadCorpus(path = new URL("../../data/sonnets.txt", import.meta.url)): Promise<string> {
  return await Deno.readTextFile(path);
}
