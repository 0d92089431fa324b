export { generateSigstoreKey, type GenerateSigstoreKeyOptions } from './generate.js';
export { sigstoreSigner, SIGSTORE_ANNOTATIONS, type SigstoreSignerOptions } from './sign.js';
export { verifySigstoreSignature, type SigstoreRequirement, type SigstoreSignature } from './verify.js';
export { sigstorePayload, parseSigstorePayload } from './payload.js';
