#!/usr/bin/env python3
"""Validates JSON instances against the API's JSON Schemas (schemas/api/).

Usage: validate_schemas.py SCHEMA_DIR [CHECKS.jsonl]

Without CHECKS.jsonl, every schema in SCHEMA_DIR is checked against the 2020-12 metaschema (the
slow part, done once by Schemas.* in tests/gateway/schemas_test.cpp). Each line of CHECKS.jsonl is
{"schema": "<file name>", "instance": <JSON>, "valid": true|false}; each instance must be valid
(or, with "valid": false, must not be).
Schemas refer to each other by relative $ref ("common.json#/$defs/money"), resolved through
their $id (https://cux.invalid/schemas/api/<file name>). Exits 1 on the first kind of problem
with one line per failure, 0 when everything is valid.
"""
import json
import pathlib
import sys

import jsonschema

try:  # jsonschema >= 4.18 resolves references through `referencing`
    from referencing import Registry, Resource
except ImportError:  # Debian 12's python3-jsonschema 4.10: RefResolver
    Registry = None

BASE = "https://cux.invalid/schemas/api/"


def load(schema_dir, meta):
    schemas = {}
    for path in sorted(pathlib.Path(schema_dir).glob("*.json")):
        schema = json.loads(path.read_text())
        if schema.get("$id") != BASE + path.name:
            raise SystemExit(f"{path}: $id must be {BASE + path.name}")
        if meta:
            jsonschema.Draft202012Validator.check_schema(schema)
        schemas[path.name] = schema
    if Registry is not None:
        registry = Registry().with_resources(
            (BASE + name, Resource.from_contents(s)) for name, s in schemas.items())
    else:
        registry = {BASE + name: s for name, s in schemas.items()}
    return schemas, registry


def validator(schema, registry):
    if Registry is not None:
        return jsonschema.Draft202012Validator(schema, registry=registry)
    resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=registry)
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def main():
    schemas, registry = load(sys.argv[1], meta=len(sys.argv) == 2)
    failures = 0
    validators = {}
    if len(sys.argv) > 2:
        for n, line in enumerate(pathlib.Path(sys.argv[2]).read_text().splitlines(), 1):
            check = json.loads(line)
            name = check["schema"]
            if name not in schemas:
                print(f"line {n}: no schema {name}")
                failures += 1
                continue
            if name not in validators:
                validators[name] = validator(schemas[name], registry)
            errors = list(validators[name].iter_errors(check["instance"]))
            if check.get("valid", True):
                for err in errors:
                    path = "/".join(str(p) for p in err.absolute_path)
                    print(f"line {n}: {name}: /{path}: {err.message}")
                    failures += 1
            elif not errors:
                print(f"line {n}: {name}: accepts what it must refuse: {check['instance']}")
                failures += 1
    if failures:
        sys.exit(1)
    print(f"validate_schemas: {len(schemas)} schemas ok")


if __name__ == "__main__":
    main()
