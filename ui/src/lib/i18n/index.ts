export {
  t,
  lookup,
  interpolate,
  applyLanguage,
  loadLanguage,
  currentLanguage,
} from './i18n.svelte';
export type { Params } from './i18n.svelte';
export type { MessageKey, Messages, LocaleFile } from './catalogue';
export { LANGUAGES, FALLBACK_LANGUAGE, isLanguage, directionOf } from './languages';
export type { LanguageInfo } from './languages';
