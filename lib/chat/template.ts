import type { ChatMessage } from "../sampler/sampler.ts";

/** Chat-template families llm-bench can render for APIs that take a raw prompt. */
export type TemplateFamily = "llama3" | "mistral" | "plain";

/** The template family a model name suggests: Llama 3.x, Mistral/Mixtral, else a plain transcript. */
export function templateFamily(model: string): TemplateFamily {
  if (/llama[-_ ]?3/i.test(model)) return "llama3";
  if (/mistral|mixtral/i.test(model)) return "mistral";
  return "plain";
}

/**
 * Renders a conversation into one prompt with the model family's chat template, ending where the assistant's answer
 * begins — so an API that takes a raw prompt (SambaStudio generic, `/completions`) still sees the whole history.
 */
export function renderChatTemplate(messages: readonly ChatMessage[], family: TemplateFamily): string {
  switch (family) {
    case "llama3":
      return "<|begin_of_text|>" +
        messages.map((m) => `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content}<|eot_id|>`).join("") +
        "<|start_header_id|>assistant<|end_header_id|>\n\n";
    case "mistral": {
      const system = messages.find((m) => m.role === "system")?.content;
      let out = "<s>";
      let first = true;
      for (const m of messages) {
        if (m.role === "user") {
          out += `[INST] ${first && system ? `${system}\n\n` : ""}${m.content} [/INST]`;
          first = false;
        } else if (m.role === "assistant") out += ` ${m.content}</s>`;
      }
      return out;
    }
    case "plain":
      return messages.map((m) => `${m.role[0].toUpperCase()}${m.role.slice(1)}: ${m.content}`).join("\n\n") +
        "\n\nAssistant:";
  }
}
