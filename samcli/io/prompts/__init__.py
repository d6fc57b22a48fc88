"""Prompt files in (samcli JSON, COCO, YOLO, GroundingDINO), prompts per image out.

    pf = load_prompts("boxes.json")                  # format sniffed; InputError if unreadable
    per_image, unknown = match_image(pf, image_keys)
    prompt, warnings = resolve(p, width, height)     # pixels, clipped; PromptError if outside
"""
from samcli.io.prompts.checks import PromptError
from samcli.io.prompts.load import FORMATS, load_prompts
from samcli.io.prompts.match import match_image
from samcli.io.prompts.resolve import resolve
from samcli.io.prompts.types import Prompt, PromptFile

__all__ = ["FORMATS", "Prompt", "PromptError", "PromptFile", "load_prompts", "match_image", "resolve"]
