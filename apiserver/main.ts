// Placeholder until this component lands; replaced by its real entry point.
export async function main(_argv: string[]): Promise<void> {
  throw new Error('skiff apiserver is not built yet');
}
