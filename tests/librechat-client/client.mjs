// Runs LibreChat's own Bedrock client stack against an AWS-compatible endpoint (the embedded
// emulator) and prints one JSON line per call on stdout:
//
//   {"client":"sdk-default"|"langchain","call":"Converse"|"ConverseStream"|"invoke"|"stream",
//    "profile":"<arn>","ok":true|false,"text":"<first 80 chars>","error":"<message>"}
//
// Exit status: 0 when every call succeeded, 1 when one failed, 2 for a usage error (nothing called).
//
// Environment:
//   BEDROCK_ENDPOINT       http(s)://host[:port], required (the emulator, e.g. http://127.0.0.1:46711)
//   BEDROCK_TLS_ENDPOINT   https://host[:port], optional: the emulator's HTTPS endpoint; trust its CA
//                          with NODE_EXTRA_CA_CERTS=<ca file>
//   BEDROCK_REGION         required, e.g. us-east-1 (LibreChat: BEDROCK_AWS_DEFAULT_REGION)
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (required), AWS_SESSION_TOKEN (optional)
//   BEDROCK_AWS_BEARER_TOKEN
//                          optional: a Bedrock API key, used instead of the access keys (which
//                          are then not required), as LibreChat's initialize.ts uses it: before
//                          every other credential, in a BedrockRuntimeClient LibreChat builds
//                          itself (`customClientConfig.token = { token: bearerToken };
//                          customClientConfig.authSchemePreference = ['httpBearerAuth'];
//                          llmConfig.client = new BedrockRuntimeClient(customClientConfig)`), with
//                          no llmConfig.credentials
//   PROFILE_ARNS           comma-separated application inference profile ARNs
//   MODEL_IDS              comma-separated model ids, one per ARN, in the same order (the keys of
//                          endpoints.bedrock.inferenceProfiles in librechat.yaml)
//   CALL_TIMEOUT_MS        optional, limit for each call, default 20000
//   GUARDRAIL_IDENTIFIER, GUARDRAIL_VERSION
//                          optional, both or neither: the guardrail librechat.yaml names
//                          (endpoints.bedrock.guardrailConfig), sent with every call as
//                          LibreChat sends it (llmConfig.guardrailConfig, see below)
//   FORCE_HTTP1=1          debugging only: give both clients an HTTP/1.1 NodeHttpHandler instead of
//                          the SDK's default (NodeHttp2Handler). LibreChat never does this; use it to
//                          tell a transport problem from anything else.
//   DEBUG=1                print stack traces and the raw errors on stderr
//
// The two clients, as LibreChat (danny-avila/LibreChat, v0.8.7) builds them:
//
// 1. "sdk-default": a BedrockRuntimeClient with no requestHandler, so the SDK's default for this
//    client applies. In @aws-sdk/client-bedrock-runtime 3.1095.0 that is NodeHttp2Handler
//    (dist-es/runtimeConfig.js: `requestHandler: RequestHandler.create(config?.requestHandler ??
//    ...)` with `NodeHttp2Handler as RequestHandler` from @smithy/node-http-handler), i.e. HTTP/2,
//    also on a plain http:// endpoint (h2c, prior knowledge). LibreChat builds such a client in
//    packages/api/src/endpoints/bedrock/initialize.ts when PROXY or a Bedrock API key is set
//    (`new BedrockRuntimeClient(customClientConfig)`), and @langchain/aws builds the same one
//    internally in every other case (see 2).
//
// 2. "langchain": ChatBedrockConverse from @langchain/aws with LibreChat's llmConfig:
//    - packages/api/src/endpoints/bedrock/initialize.ts (initializeBedrock):
//        const requestOptions = { model: model_parameters?.model, region: BEDROCK_AWS_DEFAULT_REGION };
//        const llmConfig = bedrockOutputParser(bedrockInputParser.parse(removeNullishValues({...})));
//        if (model && bedrockConfig?.inferenceProfiles?.[model]) {
//          llmConfig.applicationInferenceProfile = extractEnvVariable(bedrockConfig.inferenceProfiles[model]);
//        }
//        ...credentials = { accessKeyId: BEDROCK_AWS_ACCESS_KEY_ID, secretAccessKey: ..., sessionToken }
//        // no PROXY, no bearer token:
//        if (credentials) { llmConfig.credentials = credentials; }
//        if (BEDROCK_REVERSE_PROXY) { llmConfig.endpointHost = BEDROCK_REVERSE_PROXY; }
//    - packages/api/src/agents/run.ts (createRun, `streaming = true, streamUsage = true`):
//        const llmConfig = Object.assign({ provider, streaming, streamUsage }, modelParameters);
//        const agentInput = { provider, ..., clientOptions: llmConfig, ... };
//    - @librechat/agents 3.4.0 (dist/esm/llm/providers.mjs, llm/init.mjs) then calls
//      `new CustomChatBedrockConverse(clientOptions)`, a subclass of @langchain/aws's
//      ChatBedrockConverse (llm/bedrock/index.mjs) whose constructor is `super(fields)`: the
//      BedrockRuntimeClient is the one ChatBedrockConverse creates (region, credentials,
//      `endpoint: rest.endpointHost ? \`https://${rest.endpointHost}\` : void 0`, default
//      handler), and the modelId sent is `applicationInferenceProfile ?? model`, as in
//      @langchain/aws 1.4.3 itself. With streaming on, invoke() also goes through ConverseStream.
//    The reverse proxy (BEDROCK_REVERSE_PROXY, host[:port]) is always reached over https, so it
//    is BEDROCK_TLS_ENDPOINT's host:port here. Without BEDROCK_TLS_ENDPOINT LibreChat has no
//    setting for a plain-http endpoint; the harness then leaves endpointHost unset, as LibreChat
//    does, and points the SDK at BEDROCK_ENDPOINT through the SDK's own service-specific variable
//    AWS_ENDPOINT_URL_BEDROCK_RUNTIME (which an unmodified LibreChat honours the same way).
//    The model parameters that bedrockOutputParser adds for some models (thinking, maxTokens,
//    anthropic_beta) are not reproduced: they change the request body, not the transport or the
//    model id.

import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { ChatBedrockConverse } from '@langchain/aws';
import { HumanMessage } from '@langchain/core/messages';

const PROMPT = 'Say hello.';
const TEXT_LIMIT = 80;
const DEBUG = Boolean(process.env.DEBUG);
const FORCE_HTTP1 = process.env.FORCE_HTTP1 === '1';

class UsageError extends Error {}

// The SDK warns on every run under Node < 22 that it will need Node 22 from 2027; its own switch
// silences that, so stderr keeps what matters.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function note(message) {
  process.stderr.write(`client.mjs: ${message}\n`);
}

function parseEndpoint(name, value, { httpsOnly = false } = {}) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name}=${JSON.stringify(value)} is not a URL; expected ${httpsOnly ? 'https' : 'http(s)'}://host[:port]`);
  }
  const schemes = httpsOnly ? ['https:'] : ['http:', 'https:'];
  if (!schemes.includes(url.protocol) || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw new UsageError(`${name}=${JSON.stringify(value)} must be ${httpsOnly ? 'https' : 'http(s)'}://host[:port] with no path`);
  }
  return url;
}

function readConfig(env) {
  const bearer = env.BEDROCK_AWS_BEARER_TOKEN || undefined;
  const keys = bearer ? [] : ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
  const missing = ['BEDROCK_ENDPOINT', 'BEDROCK_REGION', ...keys, 'PROFILE_ARNS', 'MODEL_IDS']
    .filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new UsageError(`set ${missing.join(', ')} (see the comment at the top of client.mjs)`);
  }
  const endpoint = parseEndpoint('BEDROCK_ENDPOINT', env.BEDROCK_ENDPOINT);
  const tlsEndpoint = env.BEDROCK_TLS_ENDPOINT ? parseEndpoint('BEDROCK_TLS_ENDPOINT', env.BEDROCK_TLS_ENDPOINT, { httpsOnly: true }) : undefined;
  const split = (value) => value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const arns = split(env.PROFILE_ARNS);
  const models = split(env.MODEL_IDS);
  if (arns.length === 0) {
    throw new UsageError('PROFILE_ARNS names no profile');
  }
  if (arns.length !== models.length) {
    throw new UsageError(`PROFILE_ARNS has ${arns.length} ARNs and MODEL_IDS ${models.length} model ids; give one model id per ARN, in the same order`);
  }
  for (const arn of arns) {
    if (!/^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:application-inference-profile\/[a-z0-9]+$/.test(arn)) {
      throw new UsageError(`PROFILE_ARNS: ${JSON.stringify(arn)} is not an application inference profile ARN (arn:aws:bedrock:REGION:ACCOUNT:application-inference-profile/ID)`);
    }
  }
  const timeout = env.CALL_TIMEOUT_MS === undefined ? 20000 : Number(env.CALL_TIMEOUT_MS);
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new UsageError(`CALL_TIMEOUT_MS=${JSON.stringify(env.CALL_TIMEOUT_MS)} is not a positive whole number of milliseconds`);
  }
  if (Boolean(env.GUARDRAIL_IDENTIFIER) !== Boolean(env.GUARDRAIL_VERSION)) {
    throw new UsageError('set both GUARDRAIL_IDENTIFIER and GUARDRAIL_VERSION, or neither');
  }
  const guardrail = env.GUARDRAIL_IDENTIFIER
    ? { guardrailIdentifier: env.GUARDRAIL_IDENTIFIER, guardrailVersion: env.GUARDRAIL_VERSION }
    : undefined;
  return {
    bearer,
    guardrail,
    endpoint,
    tlsEndpoint,
    region: env.BEDROCK_REGION,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
    profiles: arns.map((arn, i) => ({ arn, model: models[i] })),
    timeout,
  };
}

/** The endpoint as the SDK is given it: no trailing slash. */
function origin(url) {
  return `${url.protocol}//${url.host}`;
}

/** host[:port], what LibreChat's BEDROCK_REVERSE_PROXY holds. */
function hostPort(url) {
  return url.host;
}

async function http1Handler() {
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  return new NodeHttpHandler();
}

/**
 * A guard on the client's resolved destination: a request that would leave for anywhere else
 * (real AWS, when an endpoint setting did not take) fails before it is sent.
 */
function pinDestination(client, expected) {
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request;
      const defaultPort = req.protocol === 'https:' ? 443 : 80;
      const port = req.port && Number(req.port) !== defaultPort ? `:${req.port}` : '';
      const actual = `${req.protocol}//${req.hostname}${port}`;
      if (actual !== expected) {
        throw new Error(`refused to send to ${actual}: the harness expects ${expected}`);
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'harnessPinDestination', priority: 'high' },
  );
}

function expectedOrigin(url) {
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  const port = url.port && url.port !== defaultPort ? `:${url.port}` : '';
  return `${url.protocol}//${url.hostname}${port}`;
}

/** One line, no stack: the error's name, message, HTTP status, and the underlying cause's code. */
function describe(error) {
  if (error == null) {
    return 'unknown error';
  }
  const parts = [];
  const name = error.name && error.name !== 'Error' ? error.name : undefined;
  const message = typeof error.message === 'string' ? error.message.trim() : String(error);
  parts.push(name && !message.startsWith(name) ? `${name}: ${message}` : message || name || 'unknown error');
  const status = error.$metadata?.httpStatusCode;
  if (status) {
    parts.push(`HTTP ${status}`);
  }
  const codes = [];
  for (let e = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (e.code && typeof e.code === 'string' && !codes.includes(e.code)) {
      codes.push(e.code);
    }
    if (e !== error && typeof e.message === 'string' && e.message && !parts[0].includes(e.message)) {
      parts.push(`cause: ${e.message}`);
    }
  }
  if (codes.length > 0 && !codes.every((c) => parts[0].includes(c))) {
    parts.push(`code ${codes.join('/')}`);
  }
  const hint = codes.map((c) => HINTS[c]).find(Boolean);
  if (hint) {
    parts.push(hint);
  }
  return parts
    .join('; ')
    .replace(/[0-9A-F]{8,}:error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):\S+:\d+:\s*/g, 'SSL: $1')
    .replace(/\s+/g, ' ');
}

/** What a transport error code means here, for the error field. */
const HINTS = {
  ERR_HTTP2_ERROR: 'the endpoint did not speak HTTP/2 (the default NodeHttp2Handler needs h2c on http://, h2 via ALPN on https://)',
  ERR_HTTP2_STREAM_ERROR: 'the HTTP/2 stream was reset by the endpoint',
  ECONNREFUSED: 'nothing listens there',
  ECONNRESET: 'the endpoint closed the connection',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is not trusted: set NODE_EXTRA_CA_CERTS to the emulator CA file',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate is not trusted: set NODE_EXTRA_CA_CERTS to the emulator CA file',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is not trusted: set NODE_EXTRA_CA_CERTS to the emulator CA file',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is not trusted: set NODE_EXTRA_CA_CERTS to the emulator CA file',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this host',
  EPROTO: 'TLS handshake failed (is the endpoint plain http?)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is the endpoint plain http?)',
};

function textOf(content) {
  if (typeof content === 'string') {
    return content;
  }
  if (Array.isArray(content)) {
    return content.map((block) => (typeof block === 'string' ? block : (block?.text ?? ''))).join('');
  }
  return '';
}

async function withTimeout(timeout, label, run) {
  const controller = new AbortController();
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${label} did not finish within ${timeout} ms (CALL_TIMEOUT_MS)`));
    }, timeout);
  });
  try {
    return await Promise.race([run(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one call and prints its line: {client, call, profile, ok, text[, error]}. */
async function record(results, base, timeout, run) {
  const label = `${base.client} ${base.call} on ${base.profile}`;
  let line;
  try {
    const text = await withTimeout(timeout, label, run);
    line = text
      ? { ...base, ok: true, text: text.slice(0, TEXT_LIMIT) }
      : { ...base, ok: false, text: '', error: 'the call succeeded but returned no text' };
  } catch (error) {
    if (DEBUG) {
      note(`${label} failed:`);
      process.stderr.write(`${error?.stack ?? error}\n`);
      if (error?.cause) {
        process.stderr.write(`cause: ${error.cause?.stack ?? error.cause}\n`);
      }
    }
    line = { ...base, ok: false, text: '', error: describe(error) };
  }
  results.push(line);
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** The client's identity: the Bedrock API key as LibreChat gives it, or the access keys. */
function identity(config) {
  return config.bearer
    ? { token: { token: config.bearer }, authSchemePreference: ['httpBearerAuth'] }
    : { credentials: config.credentials };
}

async function runSdkDefault(config, profile, results) {
  const clientConfig = {
    region: config.region,
    ...identity(config),
    endpoint: origin(config.endpoint),
  };
  if (FORCE_HTTP1) {
    clientConfig.requestHandler = await http1Handler();
  }
  const client = new BedrockRuntimeClient(clientConfig);
  pinDestination(client, expectedOrigin(config.endpoint));
  const call = (name) => ({ client: 'sdk-default', call: name, profile: profile.arn });
  const messages = [{ role: 'user', content: [{ text: PROMPT }] }];
  try {
    await record(results, call('Converse'), config.timeout, async (abortSignal) => {
      const out = await client.send(new ConverseCommand({ modelId: profile.arn, messages, guardrailConfig: config.guardrail }), { abortSignal });
      return textOf(out.output?.message?.content);
    });
    await record(results, call('ConverseStream'), config.timeout, async (abortSignal) => {
      const out = await client.send(new ConverseStreamCommand({ modelId: profile.arn, messages, guardrailConfig: config.guardrail }), { abortSignal });
      let text = '';
      for await (const event of out.stream ?? []) {
        if (event.contentBlockDelta?.delta?.text) {
          text += event.contentBlockDelta.delta.text;
        }
      }
      return text;
    });
  } finally {
    client.destroy();
  }
}

async function runLangchain(config, profile, results) {
  // LibreChat's llmConfig (see the comment at the top), after createRun's Object.assign.
  const llmConfig = {
    provider: 'bedrock',
    streaming: true,
    streamUsage: true,
    model: profile.model,
    region: config.region,
    applicationInferenceProfile: profile.arn,
  };
  if (!config.bearer) {
    llmConfig.credentials = config.credentials;
  }
  if (config.guardrail) {
    // initialize.ts: `if (bedrockConfig?.guardrailConfig) { llmConfig.guardrailConfig = {...} }`
    llmConfig.guardrailConfig = config.guardrail;
  }
  let destination;
  if (config.tlsEndpoint) {
    llmConfig.endpointHost = hostPort(config.tlsEndpoint); // BEDROCK_REVERSE_PROXY
    destination = config.tlsEndpoint;
  } else {
    destination = config.endpoint;
  }
  if (FORCE_HTTP1) {
    // Not LibreChat: the debugging transport, through ChatBedrockConverse's clientOptions.
    llmConfig.clientOptions = { requestHandler: await http1Handler() };
  }
  if (config.bearer) {
    // initialize.ts: with a bearer token LibreChat builds the client itself (region, token,
    // authSchemePreference, and `https://${BEDROCK_REVERSE_PROXY}` as its endpoint).
    const customClientConfig = { region: config.region, ...identity(config) };
    if (config.tlsEndpoint) {
      customClientConfig.endpoint = `https://${hostPort(config.tlsEndpoint)}`;
    }
    if (FORCE_HTTP1) {
      customClientConfig.requestHandler = await http1Handler();
    }
    llmConfig.client = new BedrockRuntimeClient(customClientConfig);
  }
  const model = new ChatBedrockConverse(llmConfig);
  pinDestination(model.client, expectedOrigin(destination));
  const call = (name) => ({ client: 'langchain', call: name, profile: profile.arn });
  const input = [new HumanMessage(PROMPT)];
  try {
    await record(results, call('invoke'), config.timeout, async (signal) => {
      const message = await model.invoke(input, { signal });
      return textOf(message.content);
    });
    await record(results, call('stream'), config.timeout, async (signal) => {
      let text = '';
      for await (const chunk of await model.stream(input, { signal })) {
        text += textOf(chunk.content);
      }
      return text;
    });
  } finally {
    model.client.destroy();
  }
}

async function main() {
  let config;
  try {
    config = readConfig(process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      note(`usage error: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (!config.tlsEndpoint) {
    // LibreChat's client takes no endpoint when BEDROCK_REVERSE_PROXY is unset; the SDK's own
    // variable routes it. Set before any client exists; the sdk-default client's explicit
    // endpoint takes precedence over it.
    process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = origin(config.endpoint);
  }
  note(
    `sdk-default -> ${origin(config.endpoint)} (${FORCE_HTTP1 ? 'FORCE_HTTP1: NodeHttpHandler, HTTP/1.1' : 'the SDK default handler, NodeHttp2Handler'}); ` +
      `langchain -> ${config.tlsEndpoint ? `endpointHost ${hostPort(config.tlsEndpoint)} (https, as BEDROCK_REVERSE_PROXY)` : `${origin(config.endpoint)} via AWS_ENDPOINT_URL_BEDROCK_RUNTIME (no BEDROCK_TLS_ENDPOINT)`}`,
  );
  const results = [];
  for (const profile of config.profiles) {
    await runSdkDefault(config, profile, results);
    await runLangchain(config, profile, results);
  }
  const failed = results.filter((r) => !r.ok).length;
  note(`${results.length - failed} of ${results.length} calls succeeded`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    note(`internal error: ${describe(error)}`);
    if (DEBUG) {
      process.stderr.write(`${error?.stack ?? error}\n`);
    }
    process.exit(1);
  },
);
