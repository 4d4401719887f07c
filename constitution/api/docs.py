"""Markdown reference of the API, generated from the OpenAPI document (docs/api.md)."""

from __future__ import annotations

import json
from typing import Any

from constitution.api.openapi import spec


def _schema_text(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return "`" + str(schema["$ref"]).rsplit("/", 1)[1] + "`"
    if schema.get("type") == "array":
        return "array of " + _schema_text(schema.get("items", {}))
    kinds = schema.get("type")
    if kinds in ("object", ["object", "null"]) and "properties" in schema:
        required = set(schema.get("required", []))
        fields = [f"`{name}`{'' if name in required else '?'}" for name in schema["properties"]]
        return "object {" + ", ".join(fields) + "}" + (" or null" if kinds != "object" else "")
    return "`" + json.dumps(schema.get("type", "any")) + "`"


def render() -> str:
    document = spec()
    lines = [
        "# API v1 reference",
        "",
        "Generated from the OpenAPI document served at `/api/v1/openapi.json`",
        "(`make api-docs`; a test fails when this file is out of date).",
        "",
        document["info"]["description"],
        "",
    ]
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            lines.append(f"## `{method.upper()} {path}`")
            lines.append("")
            lines.append(op["summary"])
            lines.append("")
            if op.get("description"):
                lines.append(op["description"])
                lines.append("")
            if op.get("security") == []:
                lines.append("No authentication.")
                lines.append("")
            body = op.get("requestBody")
            if body:
                schema = body["content"]["application/json"]["schema"]
                lines.append(f"Body: {_schema_text(schema)}")
                lines.append("")
            for status, response in op["responses"].items():
                content = response.get("content", {}).get("application/json")
                shape = f" Returns {_schema_text(content['schema'])}." if content else ""
                lines.append(f"- **{status}** {response['description']}{shape}")
            lines.append("")
    lines.append("## Schemas")
    lines.append("")
    for name, schema in document["components"]["schemas"].items():
        lines.append(f"- `{name}`: {_schema_text(schema)}")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
