import { lookup } from './i18n.svelte';

/** A code from the desk (a kind, a category) in words, or the code itself when it is new to us. */
export function word(prefix: string, code: string): string {
  return lookup(`${prefix}.${code}`) ?? code;
}
