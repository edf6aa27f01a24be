"""JSON Schema files for every event type, for consumers outside Python."""

import json
from pathlib import Path

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from schemas.events import EVENT_TYPES

SCHEMA_DIR = Path(__file__).parent / "json"


class ReaderSchema(GenerateJsonSchema):
    """The schema a reader validates against: the models forbid unknown fields so
    that code cannot misspell one, but on the wire they are allowed, because a
    producer may add optional fields within a schema version and readers ignore them."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        json_schema["additionalProperties"] = True
        return json_schema


def schema_documents() -> dict[str, str]:
    """File name -> JSON Schema text, for each event type."""
    docs = {}
    for model in EVENT_TYPES:
        schema = model.model_json_schema(mode="serialization", schema_generator=ReaderSchema)
        schema["$id"] = f"https://claimtrack.invalid/schemas/{model.TYPE}.v{model.VERSION}.json"
        docs[f"{model.TYPE}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return docs


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_documents().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_schemas():
        print(path)
