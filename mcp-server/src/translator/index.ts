// The intent translator: words → spec. Offline (translate) and the model path (prompt helpers).
export { translate } from "./translate.ts";
export type { Translation, TranslateOptions } from "./translate.ts";
export { buildTranslationPrompt, translationSchema, validateModelSpec } from "./prompt.ts";
export type { ModelSpecResult, TranslationPrompt } from "./prompt.ts";
export { MAX_TEXT_LENGTH } from "./text.ts";
export { modelAccessFromServer, translateAssisted } from "./assisted.ts";
export type { AssistedTranslation, ModelAccess, RelatedRequest } from "./assisted.ts";
