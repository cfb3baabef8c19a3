#!/usr/bin/env node
/*
 * Checks docs/openapi.yaml against the route table (handlers/routes.c) and,
 * when TEST_BASE_URL is set, against the running service:
 *
 *  - every route of routes.c is documented (":id" is "{id}") and every
 *    documented operation is a route; bearer security matches R_AUTH;
 *  - each secured operation answers 401 with the error shape without a
 *    token and with a malformed one;
 *  - each operation with path ids answers 404 (or its x-unknown-id-status)
 *    for random UUIDs and 400 for "not-a-uuid" in each id;
 *  - each GET collection (no path id, no required parameter, no
 *    x-side-effects) answers its documented 2xx with a body that has the
 *    schema's required keys and JSON types (three levels deep), and 400
 *    for query parameters out of their documented range, enum or format;
 *  - each POST/PUT with a JSON body answers 400 for malformed JSON, for
 *    an unknown field (where additionalProperties is false) and for each
 *    missing required field, and 415 for text/plain;
 *  - every status observed is declared in that operation's responses, and
 *    every error body is {"error": {"code", "message"}}.
 *
 * Only read-only and refused requests: nothing is created or deleted (a
 * PUT or DELETE names a random id, which matches nothing).
 *
 *	TEST_BASE_URL=http://127.0.0.1:8080 TESSIE_ADMIN_PASSWORD=... \
 *	    node tests/integration/openapi.mjs
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const YAML = require("../../web/node_modules/yaml");

const TOP = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const METHODS = ["get", "post", "put", "patch", "delete"];

/* ---- TAP ---- */

let n = 0;
let failed = 0;

function ok(cond, name, diag) {
	n++;
	if (cond) {
		console.log(`ok ${n} - ${name}`);
		return true;
	}
	failed++;
	console.log(`not ok ${n} - ${name}`);
	if (diag)
		for (const line of String(diag).split("\n"))
			console.log(`#   ${line}`);
	return false;
}

/* ---- the contract ---- */

const spec = YAML.parse(
	readFileSync(join(TOP, "docs", "openapi.yaml"), "utf8"));

function deref(o, seen = 0) {
	if (o && typeof o === "object" && typeof o.$ref === "string") {
		if (seen > 20 || !o.$ref.startsWith("#/"))
			throw new Error(`bad $ref ${o.$ref}`);
		let t = spec;
		for (const part of o.$ref.slice(2).split("/"))
			t = t?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
		if (t === undefined)
			throw new Error(`unresolved $ref ${o.$ref}`);
		return deref(t, seen + 1);
	}
	return o;
}

/* Every documented operation. */
const ops = [];
for (const [path, item] of Object.entries(spec.paths ?? {})) {
	for (const m of METHODS) {
		if (!item[m])
			continue;
		const op = item[m];
		const params = [...(item.parameters ?? []), ...(op.parameters ?? [])]
			.map((p) => deref(p));
		const security = op.security ?? spec.security ?? [];
		const body = op.requestBody ? deref(op.requestBody) : null;
		const json = body?.content?.["application/json"];
		ops.push({
			method: m.toUpperCase(),
			path,
			op,
			key: `${m.toUpperCase()} ${path}`,
			params,
			pathParams: params.filter((p) => p.in === "path"),
			secured: security.some((s) => Object.keys(s).length > 0),
			bodySchema: json ? deref(json.schema) : null,
			bodyExample: json
				? json.example ?? deref(json.schema)?.example ?? null
				: null,
			bodyRequired: !!body?.required,
		});
	}
}

/* ---- the route table ---- */

const routesC = readFileSync(join(TOP, "handlers", "routes.c"), "utf8")
	.replace(/\/\*[\s\S]*?\*\//g, "");
const routes = [];
const re = /\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*([^}]*?)\s*\}/g;
for (let m; (m = re.exec(routesC)) !== null;) {
	routes.push({
		method: m[1],
		path: m[2].replace(/:(\w+)/g, "{$1}"),
		handler: m[3],
		auth: /\bR_AUTH\b/.test(m[4]),
	});
}

/* ---- static checks ---- */

ok(spec.openapi === "3.0.3", "docs/openapi.yaml is OpenAPI 3.0.3",
	`openapi: ${spec.openapi}`);
{
	/* Each entry opens with its method; none may escape the regex above. */
	const entries = (routesC.match(/\{\s*"[A-Z]+"\s*,/g) ?? []).length;
	ok(routes.length > 0 && routes.length === entries,
		`handlers/routes.c: ${routes.length} routes read`,
		`${entries} entries look like routes, ${routes.length} parsed`);
}
ok(ops.length > 0, `docs/openapi.yaml has operations (${ops.length})`);

const opByKey = new Map(ops.map((o) => [o.key, o]));
const routeByKey = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));

for (const r of routes) {
	const key = `${r.method} ${r.path}`;
	const o = opByKey.get(key);
	if (!ok(o !== undefined, `routes.c ${key} is documented`))
		continue;
	ok(o.secured === r.auth,
		`${key}: ${r.auth ? "bearer security" : "no security"} as in routes.c`,
		`routes.c R_AUTH: ${r.auth}, yaml secured: ${o.secured}`);
}
for (const o of ops) {
	ok(routeByKey.has(o.key), `documented ${o.key} is in routes.c`);
	const codes = Object.keys(o.op.responses ?? {});
	const problems = [];
	if (!o.op.summary)
		problems.push("no summary");
	if (!codes.some((c) => /^[23]\d\d$/.test(c)))
		problems.push("no 2xx or 3xx response");
	if (o.secured && !codes.includes("401"))
		problems.push("secured but no 401");
	if (o.pathParams.length && !codes.includes("400"))
		problems.push("path id but no 400");
	for (const p of o.pathParams)
		if (!o.path.includes(`{${p.name}}`) || !p.required)
			problems.push(`path parameter ${p.name} not in path or not required`);
	for (const name of o.path.match(/\{(\w+)\}/g) ?? [])
		if (!o.pathParams.some((p) => `{${p.name}}` === name))
			problems.push(`${name} has no path parameter`);
	if (o.bodySchema && !["400", "415"].every((c) => codes.includes(c)))
		problems.push("JSON body but no 400 or 415");
	ok(problems.length === 0, `${o.key}: summary, responses and parameters`,
		problems.join("\n"));
}

/* ---- live checks ---- */

const BASE = process.env.TEST_BASE_URL;
const PASSWORD = process.env.TESSIE_ADMIN_PASSWORD;

function errorShape(body) {
	return body !== null && typeof body === "object" &&
		body.error !== null && typeof body.error === "object" &&
		typeof body.error.code === "string" &&
		typeof body.error.message === "string";
}

async function call(method, path, { token, body, contentType, raw } = {}) {
	const headers = {};
	if (token)
		headers.Authorization = `Bearer ${token}`;
	let payload;
	if (raw !== undefined) {
		payload = raw;
		headers["Content-Type"] = contentType ?? "application/json";
	} else if (body !== undefined) {
		payload = JSON.stringify(body);
		headers["Content-Type"] = contentType ?? "application/json";
	}
	const res = await fetch(BASE + path, {
		method, headers, body: payload, redirect: "manual",
	});
	const text = await res.text();
	let json;
	try {
		json = text === "" ? undefined : JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, json, text };
}

/*
 * One request's outcome: the status is one of want, it is declared in the
 * operation's responses, and an error status carries the error shape.
 */
function expect(o, what, res, want) {
	const codes = Object.keys(o.op.responses ?? {});
	const problems = [];
	if (!want.includes(res.status))
		problems.push(`status ${res.status}, want ${want.join(" or ")}`);
	if (!codes.includes(String(res.status)))
		problems.push(`status ${res.status} is not declared ` +
			`(declared: ${codes.join(", ")})`);
	if (res.status >= 400 && !errorShape(res.json))
		problems.push("body is not {\"error\":{\"code\",\"message\"}}");
	if (problems.length)
		problems.push(`body: ${res.text.slice(0, 300)}`);
	return ok(problems.length === 0, `${o.key}: ${what} -> ${want.join("/")}`,
		problems.join("\n"));
}

function typeOf(v) {
	if (v === null)
		return "null";
	if (Array.isArray(v))
		return "array";
	return typeof v;
}

const UUID_RE =
	/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/*
 * Appends to errs where v does not match schema: its JSON type (nullable
 * allowed), uuid and date-time formats, and, depth permitting, required
 * keys and the properties, additional properties and array items one
 * level down.
 */
function validate(v, schema, depth, at, errs) {
	schema = deref(schema);
	if (!schema || typeof schema !== "object")
		return;
	if (v === null) {
		/* "nullable" next to an allOf makes the whole thing nullable. */
		const nullable = schema.nullable ||
			(schema.allOf ?? []).some((s) => deref(s).nullable);
		if (!nullable && (schema.type || schema.allOf))
			errs.push(`${at}: null where the schema does not allow it`);
		return;
	}
	for (const sub of schema.allOf ?? [])
		validate(v, sub, depth, at, errs);
	const t = typeOf(v);
	switch (schema.type) {
	case undefined:
		break;
	case "integer":
		if (!Number.isInteger(v))
			errs.push(`${at}: ${t} ${JSON.stringify(v)}, want integer`);
		break;
	case "number":
	case "string":
	case "boolean":
	case "object":
	case "array":
		if (t !== schema.type)
			errs.push(`${at}: ${t}, want ${schema.type}`);
		break;
	default:
		errs.push(`${at}: unknown schema type ${schema.type}`);
	}
	if (t === "string" && schema.format === "uuid" && !UUID_RE.test(v))
		errs.push(`${at}: ${JSON.stringify(v)} is not a UUID`);
	if (t === "string" && schema.format === "date-time" &&
	    Number.isNaN(Date.parse(v)))
		errs.push(`${at}: ${JSON.stringify(v)} is not a date-time`);
	if (t === "string" && schema.enum && !schema.enum.includes(v))
		errs.push(`${at}: ${JSON.stringify(v)} not in ${schema.enum}`);
	if (depth <= 0)
		return;
	if (t === "object") {
		for (const k of schema.required ?? [])
			if (!(k in v))
				errs.push(`${at}: required key "${k}" missing`);
		const props = schema.properties ?? {};
		for (const [k, val] of Object.entries(v)) {
			if (k in props)
				validate(val, props[k], depth - 1, `${at}.${k}`, errs);
			else if (typeof schema.additionalProperties === "object")
				validate(val, schema.additionalProperties, depth - 1,
					`${at}.${k}`, errs);
		}
	} else if (t === "array" && schema.items) {
		v.slice(0, 100).forEach((item, i) =>
			validate(item, schema.items, depth - 1, `${at}[${i}]`, errs));
	}
}

/* The path with every path parameter set (others from fill). */
function fillPath(o, fill) {
	return o.path.replace(/\{(\w+)\}/g, (_, name) =>
		encodeURIComponent(fill[name] ?? randomUUID()));
}

function successCode(o) {
	return Object.keys(o.op.responses ?? {}).find((c) => /^2\d\d$/.test(c));
}

/* Out-of-range, off-enum or malformed values of a query parameter. */
function badValues(p) {
	const s = deref(p.schema ?? {});
	const out = [];
	if (s.type === "integer") {
		if (typeof s.maximum === "number")
			out.push(String(s.maximum + 1));
		if (typeof s.minimum === "number")
			out.push(String(s.minimum - 1));
		out.push("twelve");
	}
	if (s.type === "string" && Array.isArray(s.enum))
		out.push("not-one-of-them");
	if (s.type === "string" && s.format === "uuid")
		out.push("not-a-uuid");
	if (s.type === "string" && s.format === "date-time")
		out.push("yesterday");
	return out;
}

async function live() {
	const login = await call("POST", "/api/auth/login",
		{ body: { password: PASSWORD } });
	if (!ok(login.status === 200 && typeof login.json?.token === "string",
		"logged in with TESSIE_ADMIN_PASSWORD",
		`status ${login.status}: ${login.text.slice(0, 200)}`)) {
		console.log("Bail out! cannot log in");
		return;
	}
	const token = login.json.token;

	for (const o of ops) {
		const rid = fillPath(o, {});

		/* Refused without a token, and with a malformed one. */
		if (o.secured) {
			expect(o, "no token", await call(o.method, rid), [401]);
			expect(o, "malformed token",
				await call(o.method, rid, { token: "not.a.jwt" }), [401]);
		}

		/* Unknown and malformed ids. */
		if (o.pathParams.length) {
			const want = o.op["x-unknown-id-status"] ?? 404;
			const body = o.bodySchema ? o.bodyExample ?? {} : undefined;
			expect(o, "random UUID ids",
				await call(o.method, rid, { token, body }), [want]);
			const names = o.pathParams.map((p) => p.name);
			const variants = [Object.fromEntries(
				names.map((k) => [k, "not-a-uuid"]))];
			if (names.length > 1)
				for (const k of names)
					variants.push({ [k]: "not-a-uuid" });
			for (const v of variants)
				expect(o, `${Object.keys(v).join(", ")} not-a-uuid`,
					await call(o.method, fillPath(o, v), { token, body }),
					[400]);
		}

		/* Collections: the documented answer and its shape. */
		const requiredParams = o.params.filter((p) => p.required);
		if (o.method === "GET" && !o.op["x-side-effects"]) {
			const code = successCode(o);
			if (!o.pathParams.length && !requiredParams.length && code) {
				const res = await call("GET", o.path, { token });
				if (expect(o, "collection", res, [Number(code)])) {
					const schema = o.op.responses[code];
					const s = deref(schema)?.content?.["application/json"]
						?.schema;
					const errs = [];
					if (s)
						validate(res.json, s, 3, "body", errs);
					const sizes = Object.entries(res.json ?? {})
						.filter(([, v]) => Array.isArray(v))
						.map(([k, v]) => `${k}: ${v.length}`);
					ok(errs.length === 0,
						`${o.key}: body matches the ${code} schema` +
						(sizes.length ? ` (${sizes.join(", ")})` : ""),
						errs.slice(0, 20).join("\n"));
				}
			}
			/* Query parameters outside their documented values. */
			for (const p of o.params.filter((q) => q.in === "query")) {
				for (const bad of badValues(p)) {
					const q = `?${encodeURIComponent(p.name)}=` +
						encodeURIComponent(bad);
					expect(o, `${p.name}=${bad}`,
						await call("GET", rid + q, { token }), [400]);
				}
			}
			/* A required query parameter left out. */
			for (const p of requiredParams.filter((q) => q.in === "query"))
				expect(o, `without required ${p.name}`,
					await call("GET", rid, { token }), [400]);
		}

		/* JSON bodies: malformed, unknown or missing fields, wrong type. */
		if (o.bodySchema && (o.method === "POST" || o.method === "PUT")) {
			const example = o.bodyExample;
			const auth = o.secured ? token : undefined;
			expect(o, "malformed JSON body",
				await call(o.method, rid, { token: auth, raw: "{" }), [400]);
			expect(o, "JSON array body",
				await call(o.method, rid, { token: auth, raw: "[]" }), [400]);
			ok(example !== null && typeof example === "object",
				`${o.key}: the request body has an example`);
			if (o.bodySchema.additionalProperties === false)
				expect(o, "unknown field",
					await call(o.method, rid, {
						token: auth,
						body: { ...(example ?? {}), x_unknown_field: 1 },
					}), [400]);
			for (const k of o.bodySchema.required ?? []) {
				const partial = { ...(example ?? {}) };
				delete partial[k];
				expect(o, `missing ${k}`,
					await call(o.method, rid, { token: auth, body: partial }),
					[400]);
			}
			expect(o, "text/plain body",
				await call(o.method, rid, {
					token: auth,
					raw: JSON.stringify(example ?? {}),
					contentType: "text/plain",
				}), [415]);
		}
	}
}

if (BASE && PASSWORD) {
	try {
		await live();
	} catch (e) {
		ok(false, "live checks ran", e?.stack ?? String(e));
	}
} else {
	console.log("# TEST_BASE_URL or TESSIE_ADMIN_PASSWORD unset: " +
		"only the static checks ran");
}
console.log(`1..${n}`);
if (failed)
	console.log(`# ${failed} of ${n} failed`);
process.exit(failed ? 1 : 0);
