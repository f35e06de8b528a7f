// Placeholder until `skiff up` lands; replaced by the real cluster launcher.
export async function main(_argv: string[]): Promise<void> {
  throw new Error('skiff up is not built yet');
}
