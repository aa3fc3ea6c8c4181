// nest-commander provides an inquirer-based prompt service this CLI does not use (its prompts are in prompt.ts,
// which also reads piped answers). The CLI's build gives nest-commander this stand-in instead of inquirer and the
// few hundred modules it loads.
export function prompt(): never {
  throw new Error('Interactive prompts go through the Prompt service');
}
