"""`samcli embed`: each image's embedding into a folder, to skip the encoder in
later runs (`--embeddings DIR`) or to prompt in an interactive annotator."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from samcli.cli import options as opt
from samcli.cli.common import (checkpoint_or_exit, execute, fail, images_or_exit, jobs_for, lock_or_exit,
                               outputs_writable_or_exit, plan_or_exit, run_settings, runtime_or_exit, shard_or_exit,
                               weights_digest)
from samcli.cli.embeddings import embeddings_header
from samcli.errors import SamcliError
from samcli.io.embeddings import DTYPES, manifest_name

OutDir = Annotated[Path, typer.Option(
    "--out", "-o", metavar="DIR", file_okay=False, show_default=False,
    help="The folder: DIR/<image path>.npy and the manifest DIR/embeddings.json (with --shard I/N: "
         "DIR/embeddings.I-of-N.json; samcli merge makes embeddings.json of them).")]
Dtype = Annotated[Literal[DTYPES], typer.Option(
    "--dtype", help="float32: what SAM's demo loads, and reused runs write a plain run's bytes | float16: half the "
                    "disk, masks move slightly.")]


def embed(
    images: opt.Images,
    out: OutDir,
    model: opt.Model = opt.DEFAULT_MODEL,
    checkpoint: opt.Checkpoint = None,
    offline: opt.Offline = False,
    dtype: Dtype = "float32",
    batch_size: opt.BatchSize = 1,
    device: opt.Device = "auto",
    precision: opt.Precision = "auto",
    runtime: opt.Runtime = "auto",
    workers: opt.Workers = None,
    resume: opt.Resume = False,
    keep_journal: opt.KeepJournal = False,
    shard: opt.Shard = None,
    ray: opt.Ray = None,
    ray_actors: opt.RayActors = None,
    quiet: opt.Quiet = False,
    log_every: opt.LogEvery = 10.0,
) -> None:
    """Encode every image once and keep its embedding: DIR/<image path>.npy, (1, C, h, w)
    as the model produces it, and DIR/embeddings.json: model, weights, precision, runtime,
    and per image its original and resized sizes (what a decoder needs to map prompts).
    `segment`, `everything` and `eval` reuse them with --embeddings DIR; annotators load
    the .npy files with `samcli export onnx`'s decoder (see the README)."""
    from samcli.engine.jobs import PipelineOptions
    from samcli.engine.runners import RunnerSpec
    from samcli.writers.embeddings import ManifestWriter, NpyWriter, start_over
    from samcli.writers.outputs import Outputs

    outputs_writable_or_exit([], [("--out", out)])
    part = shard_or_exit(shard)
    manifest = out / manifest_name(part)
    lock_or_exit(manifest)
    refs = images_or_exit(images)
    try:
        pipeline = PipelineOptions(device, precision, batch_size, workers, keep_embeddings=True)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    weights = checkpoint_or_exit(model, checkpoint, offline, quiet, use="embed")
    chosen = runtime_or_exit(runtime, model, weights, pipeline, quiet)
    settings = run_settings(pipeline, runtime=chosen, dtype=dtype)
    plan = plan_or_exit(refs, manifest, "jsonl", part, resume, "embed", model, weights, settings)
    header = embeddings_header(model, weights, weights_digest(plan, weights), settings["precision"], chosen, dtype,
                               plan.sidecar)
    start_over(out, manifest.name)
    outputs = Outputs([NpyWriter(out, dtype),
                       ManifestWriter(manifest, header, image_ids=plan.ids, journal=plan.journal,
                                      sync_every=batch_size, keep_journal=keep_journal)])
    spec = RunnerSpec("embed", model, str(weights), None, pipeline, runtime=chosen)
    execute(plan, outputs, spec, jobs_for(plan.todo), "embed", quiet, ray=ray, ray_actors=ray_actors,
            log_every=log_every)
