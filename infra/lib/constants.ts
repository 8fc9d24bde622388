// Names shared by the stack and the operator scripts, kept free of CDK imports so the scripts
// load fast.
import { fileURLToPath } from 'node:url';

/** Where `npm run deploy` puts the zipped work tree for the CodeBuild project. */
export const SOURCE_OBJECT_KEY = 'source/agentcore-chat-bridge.zip';

/** Written by `npm run deploy` (the image version and session id it rolled to), read by the CDK app. */
export const DEPLOY_STATE_FILE = fileURLToPath(new URL('../deploy-state.json', import.meta.url));
