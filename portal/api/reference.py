"""The contract (/api/v1/openapi.json) and a reference page drawn from it on the portal's own
templates: no script, no other host, so it passes the portal's Content Security Policy."""

from flask import Blueprint, current_app, jsonify, render_template
from markupsafe import Markup, escape

from portal.access import public

bp = Blueprint("api_reference", __name__)
METHODS = ("get", "post", "put", "patch", "delete")


def contract() -> dict:
    return current_app.extensions["portal_api"].spec.to_dict()


@bp.route("/api/v1/openapi.json")
@public
def openapi_json():
    return jsonify(contract())


@bp.route("/api/v1/")
@bp.route("/api/v1/reference")
@public
def reference():
    spec = contract()
    schemas = spec.get("components", {}).get("schemas", {})
    operations = [
        _operation(path, method, operation, item.get("parameters", []), schemas)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]
    return render_template(
        "api/reference.html",
        title="API reference",
        spec=spec,
        operations=operations,
        code_spans=code_spans,
    )


def _operation(path, method, operation, shared, schemas) -> dict:
    parameters = [
        {
            "name": p["name"],
            "where": p["in"],
            "type": _type(p.get("schema", {}), schemas),
            "required": p.get("required", False),
            "description": p.get("description") or p.get("schema", {}).get("description", ""),
        }
        for p in [*shared, *operation.get("parameters", [])]
        if not str(p.get("$ref", "")).endswith(("IF_NONE_MATCH", "IF_MATCH")) and "name" in p
    ]
    answer = operation.get("responses", {}).get("200", {})
    body = answer.get("content", {}).get("application/json", {}).get("schema", {})
    return {
        "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
        "method": method.upper(),
        "path": path,
        "summary": operation.get("summary", ""),
        "description": operation.get("description", ""),
        "parameters": parameters,
        "fields": _fields(body, schemas),
    }


def _resolve(schema, schemas) -> dict:
    ref = schema.get("$ref")
    return schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else schema


def _type(schema, schemas) -> str:
    schema = _resolve(schema, schemas)
    kind = schema.get("type", "object")
    kinds = [k for k in (kind if isinstance(kind, list) else [kind]) if k != "null"]
    name = " or ".join(kinds) or "null"
    if name == "array":
        return "list of " + _type(schema.get("items", {}), schemas)
    if "enum" in schema:
        return name + ": " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    if "format" in schema:
        name += f" ({schema['format']})"
    return name + (" or null" if "null" in (kind if isinstance(kind, list) else []) else "")


def code_spans(text: str) -> Markup:
    """`text` with its `back-quoted` parts as code, the rest escaped."""
    parts = str(text).split("`")
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if n % 2 else escape(part)
        for n, part in enumerate(parts)
    )


def _fields(schema, schemas, prefix="", depth=0) -> list[dict]:
    """The answer's fields, nested lists' fields under their name (items[].reference)."""
    schema = _resolve(schema, schemas)
    found = []
    for name, field in schema.get("properties", {}).items():
        resolved = _resolve(field, schemas)
        found.append(
            {
                "name": prefix + name,
                "type": _type(field, schemas),
                "description": field.get("description") or resolved.get("description", ""),
            }
        )
        inner = resolved.get("items", {}) if resolved.get("type") == "array" else resolved
        if depth < 3 and (inner.get("$ref") or inner.get("properties")):
            suffix = "[]." if resolved.get("type") == "array" else "."
            found += _fields(inner, schemas, prefix + name + suffix, depth + 1)
    return found
