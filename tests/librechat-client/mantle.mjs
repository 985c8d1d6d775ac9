// Runs LibreChat's own client for Bedrock's OpenAI-compatible bedrock-mantle endpoint against
// an AWS-compatible one (the embedded emulator), and prints one JSON line per call on stdout:
//
//   {"client":"mantle","call":"invoke"|"stream","model":"<id>","ok":true|false,"text":"<first 80 chars>","error":"<message>"}
//
// Exit status: 0 when every call succeeded, 1 when one failed, 2 for a usage error.
//
// Environment:
//   BEDROCK_TLS_ENDPOINT   https://host[:port], required: where bedrock-mantle is reached, as
//                          LibreChat's BEDROCK_REVERSE_PROXY (host[:port]) names it; trust its
//                          CA with NODE_EXTRA_CA_CERTS=<ca file>
//   BEDROCK_REGION         required, e.g. us-east-1 (LibreChat: BEDROCK_AWS_DEFAULT_REGION)
//   MODEL_IDS              comma-separated model ids LibreChat sends to bedrock-mantle
//   BEDROCK_AWS_BEARER_TOKEN
//                          a Bedrock API key; without it, AWS_ACCESS_KEY_ID and
//                          AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN optional), from which a
//                          short-term key is made, as LibreChat makes it
//   CALL_TIMEOUT_MS        optional, limit for each call, default 20000
//
// As LibreChat builds it (danny-avila/LibreChat packages/api/src/endpoints/bedrock/mantle.ts):
//   const apiKey = bearerToken ?? (await getToken({ credentials, region }));  // @aws/bedrock-token-generator
//   const options = getOpenAIConfig(apiKey, {
//     reverseProxyUrl: getBedrockMantleBaseURL(region, reverseProxy),  // `https://${host}/openai/v1`
//     modelOptions: { useResponsesApi: true }, streaming: true });
// getOpenAIConfig gives llmConfig { streaming, model, useResponsesApi, apiKey } and
// configOptions { baseURL }; LibreChat's agents then make `new ChatOpenAI({ ...llmConfig,
// configuration: configOptions })`, a subclass of @langchain/openai's ChatOpenAI, which calls
// OpenAI's Responses API (`POST {baseURL}/responses`, streamed) through the openai package.

import { getToken } from '@aws/bedrock-token-generator';
import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage } from '@langchain/core/messages';

const PROMPT = 'Say hello.';
const TEXT_LIMIT = 80;

class UsageError extends Error {}

function readConfig(env) {
  const keys = env.BEDROCK_AWS_BEARER_TOKEN ? [] : ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
  const missing = ['BEDROCK_TLS_ENDPOINT', 'BEDROCK_REGION', 'MODEL_IDS', ...keys].filter((n) => !env[n]);
  if (missing.length > 0) {
    throw new UsageError(`set ${missing.join(', ')} (see the comment at the top of mantle.mjs)`);
  }
  let url;
  try {
    url = new URL(env.BEDROCK_TLS_ENDPOINT);
  } catch {
    throw new UsageError(`BEDROCK_TLS_ENDPOINT=${JSON.stringify(env.BEDROCK_TLS_ENDPOINT)} is not a URL; expected https://host[:port]`);
  }
  if (url.protocol !== 'https:' || (url.pathname !== '/' && url.pathname !== '')) {
    throw new UsageError('BEDROCK_TLS_ENDPOINT must be https://host[:port] with no path');
  }
  if (!/^[a-z0-9-]+$/.test(env.BEDROCK_REGION)) {
    throw new UsageError(`BEDROCK_REGION=${JSON.stringify(env.BEDROCK_REGION)} is not a region (LibreChat checks /^[a-z0-9-]+$/)`);
  }
  const timeout = env.CALL_TIMEOUT_MS === undefined ? 20000 : Number(env.CALL_TIMEOUT_MS);
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new UsageError(`CALL_TIMEOUT_MS=${JSON.stringify(env.CALL_TIMEOUT_MS)} is not a positive whole number of milliseconds`);
  }
  return {
    host: url.host, // BEDROCK_REVERSE_PROXY
    region: env.BEDROCK_REGION,
    models: env.MODEL_IDS.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    bearer: env.BEDROCK_AWS_BEARER_TOKEN || undefined,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
    timeout,
  };
}

function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => (typeof c === 'string' ? c : c?.text ?? '')).join('');
  return '';
}

async function record(base, timeout, run) {
  let line;
  try {
    const signal = AbortSignal.timeout(timeout);
    const text = await run(signal);
    line = { ...base, ok: text.length > 0, text: text.slice(0, TEXT_LIMIT), ...(text.length > 0 ? {} : { error: 'empty answer' }) };
  } catch (error) {
    line = { ...base, ok: false, text: '', error: error?.message ?? String(error) };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return line.ok;
}

async function main() {
  const config = readConfig(process.env);
  // mantle.ts: the static key, or a short-term one from the credentials.
  const apiKey = config.bearer ?? (await getToken({ credentials: config.credentials, region: config.region }));
  let ok = true;
  for (const model of config.models) {
    const llm = new ChatOpenAI({
      streaming: true,
      model,
      useResponsesApi: true,
      apiKey,
      maxRetries: 0,
      configuration: { baseURL: `https://${config.host}/openai/v1` },
    });
    const input = [new HumanMessage(PROMPT)];
    const base = (call) => ({ client: 'mantle', call, model });
    ok = (await record(base('invoke'), config.timeout, async (signal) => textOf((await llm.invoke(input, { signal })).content))) && ok;
    ok = (await record(base('stream'), config.timeout, async (signal) => {
      let text = '';
      for await (const chunk of await llm.stream(input, { signal })) {
        text += textOf(chunk.content);
      }
      return text;
    })) && ok;
  }
  process.exitCode = ok ? 0 : 1;
}

main().catch((error) => {
  if (error instanceof UsageError) {
    process.stderr.write(`mantle.mjs: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`mantle.mjs: ${error?.stack ?? error}\n`);
  process.exitCode = 2;
});
