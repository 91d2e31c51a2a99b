// One chunk with every file of this language (catalogue.ts loads it when the language is applied).
import type { Messages } from '../catalogue';

const files = import.meta.glob<Messages>('../../../../../locales/ar/*.json', {
  eager: true,
  import: 'default',
});

export default Object.assign({}, ...Object.values(files)) as Messages;
