/**
 * The long-running operations of the public entry, loaded on their first call: the transports,
 * the copy engine and what they import stay unloaded for commands that never move an image (a
 * listing or an inspect starts faster). Each constant has exactly the type, and so the
 * contract, of the function it forwards to.
 */
type Pull = typeof import('./images/pull.js');
type Push = typeof import('./images/push.js');
type Load = typeof import('./images/load.js');
type Save = typeof import('./images/save.js');
type Import = typeof import('./images/import.js');
type CopyByName = typeof import('./images/copy.js');
type Login = typeof import('./images/login.js');
type Tags = typeof import('./images/tags.js');
type Search = typeof import('./images/search.js');
type Distribution = typeof import('./images/distribution.js');
type Open = typeof import('./transports/open.js');
type Copy = typeof import('./copy/copy.js');
type Recover = typeof import('./store/recover.js');
type Unpack = typeof import('./rootfs/unpack.js');
type LayerCache = typeof import('./rootfs/layer-cache.js');
type CreateContainer = typeof import('./containers/create.js');
type ExportContainer = typeof import('./containers/export.js');
type Diff = typeof import('./containers/diff.js');
type Sign = typeof import('./images/sign.js');
type Standalone = typeof import('./trust/simple-signing/standalone.js');
type SimpleVerify = typeof import('./trust/simple-signing/verify.js');

export const pullImage: Pull['pullImage'] = async (...a) => (await import('./images/pull.js')).pullImage(...a);
export const pushImage: Push['pushImage'] = async (...a) => (await import('./images/push.js')).pushImage(...a);
export const loadImages: Load['loadImages'] = async (...a) => (await import('./images/load.js')).loadImages(...a);
export const saveImages: Save['saveImages'] = async (...a) => (await import('./images/save.js')).saveImages(...a);
export const importImage: Import['importImage'] = async (...a) => (await import('./images/import.js')).importImage(...a);
export const copyByName: CopyByName['copyByName'] = async (...a) => (await import('./images/copy.js')).copyByName(...a);
export const login: Login['login'] = async (...a) => (await import('./images/login.js')).login(...a);
export const checkLogin: Login['checkLogin'] = async (...a) => (await import('./images/login.js')).checkLogin(...a);
export const logout: Login['logout'] = async (...a) => (await import('./images/login.js')).logout(...a);
export const loggedInUser: Login['loggedInUser'] = async (...a) => (await import('./images/login.js')).loggedInUser(...a);
export const listRepositoryTags: Tags['listRepositoryTags'] = async (...a) => (await import('./images/tags.js')).listRepositoryTags(...a);
export const searchRegistry: Search['searchRegistry'] = async (...a) => (await import('./images/search.js')).searchRegistry(...a);
export const inspectDistribution: Distribution['inspectDistribution'] = async (...a) =>
  (await import('./images/distribution.js')).inspectDistribution(...a);
export const openSourceByName: Open['openSourceByName'] = async (...a) => (await import('./transports/open.js')).openSourceByName(...a);
export const openDestinationByName: Open['openDestinationByName'] = async (...a) =>
  (await import('./transports/open.js')).openDestinationByName(...a);
export const copyImage: Copy['copyImage'] = async (...a) => (await import('./copy/copy.js')).copyImage(...a);
export const recoverStore: Recover['recoverStore'] = async (...a) => (await import('./store/recover.js')).recoverStore(...a);
export const unpackLayer: Unpack['unpackLayer'] = async (...a) => (await import('./rootfs/unpack.js')).unpackLayer(...a);
export const ensureLayer: LayerCache['ensureLayer'] = async (...a) => (await import('./rootfs/layer-cache.js')).ensureLayer(...a);
export const buildRootfs: LayerCache['buildRootfs'] = async (...a) => (await import('./rootfs/layer-cache.js')).buildRootfs(...a);
export const prepareRootfs: LayerCache['prepareRootfs'] = async (...a) => (await import('./rootfs/layer-cache.js')).prepareRootfs(...a);
export const createContainer: CreateContainer['createContainer'] = async (...a) =>
  (await import('./containers/create.js')).createContainer(...a);
export const exportContainer: ExportContainer['exportContainer'] = async (...a) =>
  (await import('./containers/export.js')).exportContainer(...a);
export const diffChanges: Diff['diffChanges'] = async (...a) => (await import('./containers/diff.js')).diffChanges(...a);
export const containerSize: Diff['containerSize'] = async (...a) => (await import('./containers/diff.js')).containerSize(...a);
export const signImages: Sign['signImages'] = async (...a) => (await import('./images/sign.js')).signImages(...a);
export const standaloneSign: Standalone['standaloneSign'] = async (...a) =>
  (await import('./trust/simple-signing/standalone.js')).standaloneSign(...a);
export const standaloneVerify: Standalone['standaloneVerify'] = async (...a) =>
  (await import('./trust/simple-signing/standalone.js')).standaloneVerify(...a);
export const verifySimpleSignature: SimpleVerify['verifySimpleSignature'] = async (...a) =>
  (await import('./trust/simple-signing/verify.js')).verifySimpleSignature(...a);
