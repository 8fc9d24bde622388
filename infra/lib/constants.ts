// Names shared by the stack and the operator scripts, kept free of CDK imports so the scripts
// load fast.

/** Where `npm run deploy` puts the zipped work tree for the CodeBuild project. */
export const SOURCE_OBJECT_KEY = 'source/agentcore-chat-bridge.zip';
