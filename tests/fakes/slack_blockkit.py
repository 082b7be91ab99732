"""Block Kit as Slack validates it: the documented limits of the blocks, elements and views the bot
can send, reported as Slack reports them ("must be less than 3001 characters
[json-pointer:/blocks/0/text/text]"). Lengths count UTF-16 code units, the stricter reading: an
emoji outside the Basic Multilingual Plane counts twice."""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100
SURFACE_BLOCKS = {"message": {"section", "context", "actions", "header", "divider", "image", "rich_text"},
                  "modal": {"section", "context", "actions", "header", "divider", "image", "input", "rich_text"},
                  "home": {"section", "context", "actions", "header", "divider", "image", "input", "rich_text"}}
BUTTON_STYLES = {"primary", "danger"}
# The fields each object may have (Block Kit reference); Slack refuses any other with invalid_blocks
# (slack-go/slack#612: an option with an extra "url" key).
BLOCK_KEYS = {"section": {"text", "fields", "accessory", "expand"}, "header": {"text"}, "context": {"elements"},
              "actions": {"elements"}, "divider": set(), "image": {"image_url", "alt_text", "title", "slack_file"},
              "input": {"label", "element", "dispatch_action", "hint", "optional"}, "rich_text": {"elements"}}
ELEMENT_KEYS = {
    "button": {"text", "action_id", "url", "value", "style", "confirm", "accessibility_label"},
    "static_select": {"action_id", "options", "option_groups", "initial_option", "confirm", "focus_on_load",
                      "placeholder"},
    "plain_text_input": {"action_id", "initial_value", "multiline", "min_length", "max_length",
                         "dispatch_action_config", "focus_on_load", "placeholder"},
    "image": {"image_url", "alt_text", "slack_file"}}
OPTION_KEYS = {"text", "value", "description", "url"}
INPUT_ELEMENTS = {"plain_text_input", "static_select"}  # of those the double knows; never a button or image


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Problems:
    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, message: str, pointer: str) -> None:
        self.found.append(f"{message} [json-pointer:{pointer}]")

    def text(self, obj: Any, pointer: str, limit: int, kinds: tuple[str, ...] = ("plain_text", "mrkdwn"),
             required: bool = True) -> None:
        if obj is None:
            if required:
                self.add("missing required field: text", pointer)
            return
        if not isinstance(obj, dict) or obj.get("type") not in kinds:
            self.add("failed to match all allowed schemas", pointer)
            return
        allowed = {"type", "text", "emoji", "verbatim"}
        for key in set(obj) - allowed:
            self.add(f"additional property not allowed: {key}", f"{pointer}/{key}")
        if "emoji" in obj and obj["type"] != "plain_text":
            self.add("emoji is only allowed in plain_text", f"{pointer}/emoji")
        self.string(obj.get("text"), f"{pointer}/text", limit, minimum=1)

    def keys(self, obj: dict, allowed: set[str], pointer: str) -> None:
        for key in sorted(set(obj) - allowed):
            self.add(f"additional property not allowed: {key}", f"{pointer}/{key}")

    def string(self, value: Any, pointer: str, limit: int, minimum: int = 0) -> None:
        if not isinstance(value, str):
            self.add("must be a string", pointer)
        elif units(value) > limit:
            self.add(f"must be less than {limit + 1} characters", pointer)
        elif units(value) < minimum:
            self.add(f"must be more than {minimum - 1} characters", pointer)

    def optional(self, obj: dict, key: str, pointer: str, limit: int) -> None:
        if key in obj:
            self.string(obj[key], f"{pointer}/{key}", limit)


def _option(p: Problems, option: Any, pointer: str) -> None:
    if not isinstance(option, dict):
        p.add("must provide an object", pointer)
        return
    p.keys(option, OPTION_KEYS, pointer)
    p.text(option.get("text"), f"{pointer}/text", 75, ("plain_text",))
    p.string(option.get("value"), f"{pointer}/value", 150, minimum=1)


def _element(p: Problems, el: Any, pointer: str) -> str | None:
    """Validate one interactive element; returns its action_id."""
    if not isinstance(el, dict):
        p.add("must provide an object", pointer)
        return None
    kind = el.get("type")
    if kind in ELEMENT_KEYS:
        p.keys(el, ELEMENT_KEYS[kind] | {"type"}, pointer)
    p.optional(el, "action_id", pointer, 255)
    if kind == "button":
        p.text(el.get("text"), f"{pointer}/text", 75, ("plain_text",))
        p.optional(el, "value", pointer, 2000)
        p.optional(el, "url", pointer, 3000)
        if "style" in el and el["style"] not in BUTTON_STYLES:
            p.add("must be one of the provided options", f"{pointer}/style")
    elif kind == "static_select":
        options = el.get("options")
        if not isinstance(options, list) or not options:
            p.add("must provide at least 1 item", f"{pointer}/options")
            options = []
        elif len(options) > 100:
            p.add("no more than 100 items allowed", f"{pointer}/options")
        for i, option in enumerate(options):
            _option(p, option, f"{pointer}/options/{i}")
        if "initial_option" in el:
            _option(p, el["initial_option"], f"{pointer}/initial_option")
            if el["initial_option"] not in options:
                p.add("initial_option must match one of the options", f"{pointer}/initial_option")
        if "placeholder" in el:
            p.text(el["placeholder"], f"{pointer}/placeholder", 150, ("plain_text",))
    elif kind == "plain_text_input":
        for key in ("min_length", "max_length"):
            if key in el and not (isinstance(el[key], int) and 0 <= el[key] <= 3000):
                p.add("must be an integer between 0 and 3000", f"{pointer}/{key}")
        if "initial_value" in el:
            p.string(el["initial_value"], f"{pointer}/initial_value", el.get("max_length", 3000))
        if "placeholder" in el:
            p.text(el["placeholder"], f"{pointer}/placeholder", 150, ("plain_text",))
        if "multiline" in el and not isinstance(el["multiline"], bool):
            p.add("must be a boolean", f"{pointer}/multiline")
    elif kind == "image":
        p.string(el.get("image_url"), f"{pointer}/image_url", 3000, minimum=1)
        p.string(el.get("alt_text"), f"{pointer}/alt_text", 2000, minimum=1)
    else:
        p.add("failed to match all allowed schemas", pointer)
    return el.get("action_id")


def _block(p: Problems, block: Any, pointer: str, surface: str) -> None:
    if not isinstance(block, dict):
        p.add("must provide an object", pointer)
        return
    kind = block.get("type")
    if kind not in SURFACE_BLOCKS[surface]:
        p.add("failed to match all allowed schemas", pointer)
        return
    p.keys(block, BLOCK_KEYS[kind] | {"type", "block_id"}, pointer)
    p.optional(block, "block_id", pointer, 255)
    if kind == "section":
        if "text" not in block and "fields" not in block:
            p.add("must provide text or fields", pointer)
        if "text" in block:
            p.text(block["text"], f"{pointer}/text", 3000)
        fields = block.get("fields", [])
        if len(fields) > 10:
            p.add("no more than 10 items allowed", f"{pointer}/fields")
        for i, field in enumerate(fields):
            p.text(field, f"{pointer}/fields/{i}", 2000)
        if "accessory" in block:
            _element(p, block["accessory"], f"{pointer}/accessory")
    elif kind == "header":
        p.text(block.get("text"), f"{pointer}/text", 150, ("plain_text",))
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            p.add("must provide between 1 and 10 items", f"{pointer}/elements")
        for i, el in enumerate(elements):
            if isinstance(el, dict) and el.get("type") in ("plain_text", "mrkdwn"):
                p.text(el, f"{pointer}/elements/{i}", 3000)
            else:
                _element(p, el, f"{pointer}/elements/{i}")
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            p.add("must provide between 1 and 25 items", f"{pointer}/elements")
        seen: set[str] = set()
        for i, el in enumerate(elements):
            action_id = _element(p, el, f"{pointer}/elements/{i}")
            if action_id in seen:
                p.add("action_id must be unique within the block", f"{pointer}/elements/{i}/action_id")
            if action_id:
                seen.add(action_id)
    elif kind == "input":
        p.text(block.get("label"), f"{pointer}/label", 2000, ("plain_text",))
        if "hint" in block:
            p.text(block["hint"], f"{pointer}/hint", 2000, ("plain_text",))
        if "optional" in block and not isinstance(block["optional"], bool):
            p.add("must be a boolean", f"{pointer}/optional")
        element = block.get("element")
        if isinstance(element, dict) and element.get("type") not in INPUT_ELEMENTS:
            p.add("failed to match all allowed schemas", f"{pointer}/element")
        else:
            _element(p, element, f"{pointer}/element")


def blocks(value: Any, surface: str = "message", prefix: str = "") -> list[str]:
    """Every problem of a blocks array, as Slack words them; empty when valid."""
    p = Problems()
    if not isinstance(value, list):
        p.add("must provide an array", f"{prefix}/blocks")
        return p.found
    limit = MESSAGE_BLOCKS if surface == "message" else VIEW_BLOCKS
    if len(value) > limit:
        p.add(f"no more than {limit} items allowed", f"{prefix}/blocks")
    ids: set[str] = set()
    for i, block in enumerate(value):
        _block(p, block, f"{prefix}/blocks/{i}", surface)
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id in ids:
            p.add("block_id must be unique", f"{prefix}/blocks/{i}/block_id")
        if block_id:
            ids.add(block_id)
    return p.found


def view(value: Any) -> list[str]:
    """Every problem of a modal or Home tab view (pointers start at /view)."""
    p = Problems()
    if not isinstance(value, dict) or value.get("type") not in ("modal", "home"):
        p.add("failed to match all allowed schemas", "/view")
        return p.found
    kind = value["type"]
    if kind == "modal":
        p.text(value.get("title"), "/view/title", 24, ("plain_text",))
        for key in ("submit", "close"):
            if key in value:
                p.text(value[key], f"/view/{key}", 24, ("plain_text",))
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in value.get("blocks") or [])
        if has_input and "submit" not in value:
            p.add("submit is required when an input block is present", "/view/submit")
    elif "submit" in value or "close" in value:
        p.add("home views cannot have submit or close", "/view")
    p.optional(value, "callback_id", "/view", 255)
    p.optional(value, "private_metadata", "/view", 3000)
    p.optional(value, "external_id", "/view", 255)
    if not value.get("blocks"):
        p.add("must provide at least 1 item", "/view/blocks")
    else:
        p.found += blocks(value["blocks"], kind, "/view")
    if p.found:
        p.found.insert(0, "failed to match all allowed schemas [json-pointer:/view]")
    return p.found
