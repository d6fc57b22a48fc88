"""Prompt files in (samcli JSON, COCO, YOLO, GroundingDINO), prompts per image out.

    pf = load_prompts("boxes.json")                  # format sniffed; InputError if unreadable
    per_image, unknown = match_image(pf, image_keys)
    ids = image_ids_for(pf, image_keys).assign(image_keys)   # a COCO dataset's ids where pf names them
    prompt, warnings = resolve(p, width, height)     # pixels, clipped; PromptError if outside
"""
from samcli.io.prompts.checks import PromptError
from samcli.io.prompts.load import FORMATS, load_prompts
from samcli.io.prompts.match import image_ids_for, match_image
from samcli.io.prompts.resolve import resolve
from samcli.io.prompts.types import Prompt, PromptFile

__all__ = ["FORMATS", "Prompt", "PromptError", "PromptFile", "image_ids_for", "load_prompts", "match_image", "resolve"]
