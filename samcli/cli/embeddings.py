"""`--embeddings DIR` and `--save-embeddings DIR` (segment, everything; eval reads
only): the folders checked before the run, what they change in the pipeline and
in the journal's fingerprint, and the writer that saves. Also the manifest's
header, shared with `samcli embed`."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from samcli import __version__
from samcli.cli.common import fail, lock_or_exit
from samcli.errors import SamcliError
from samcli.io.embeddings import MANIFEST, SAVING_JOURNAL, VERSION, Manifest, folder_manifest, identity_differences

if TYPE_CHECKING:
    from samcli.engine.jobs import PipelineOptions
    from samcli.writers.outputs import Writer


def embeddings_header(model_id: str, weights: Path, weights_sha256: str, precision: str, runtime: str, dtype: str,
                      shard: dict | None = None) -> dict[str, Any]:
    """A manifest's header: what made the embeddings, the model's frames; the shape
    comes with the first embedding."""
    header = {"samcli_embeddings": VERSION, "samcli": __version__, "model": model_id, "weights_sha256": weights_sha256,
              "precision": precision, "runtime": runtime, "dtype": dtype, "embedding_shape": None,
              "tensor_dtype": None, **model_frames(_frames_of(model_id, weights, runtime, precision))}
    if shard is not None:
        header["shard"] = {"index": shard["shard"][0], "count": shard["shard"][1],
                           "listing_sha256": shard["listing_sha256"], "images_total": shard["images_total"]}
    return header


def _frames_of(model_id: str, weights: Path, runtime: str, precision: str) -> Any:
    """A copy of the model that knows its frames without weights: on ONNX Runtime the
    runtime cache's description (no torch), else the PyTorch model built without weights."""
    if runtime == "onnxruntime":
        from samcli.onnx.lean import load_lean

        return load_lean(model_id, weights, precision, sessions=False)
    from samcli.onnx.engine_runtime import weightless

    return weightless(model_id)


def model_frames(model: Any) -> dict:
    """What an embeddings manifest says of the model: its encoder's input side, its
    prompt frame's side, and its preprocessing as data (None where it does not say)."""
    try:
        preprocessing = model.preprocessing.describe()
    except NotImplementedError:
        preprocessing = None
    return {"input_size": model.encoder_size, "prompt_size": model.prompt_size, "preprocessing": preprocessing}


@dataclass
class EmbeddingFolders:
    read: Path | None = None
    read_manifest: Manifest | None = None  # None: nothing stored there yet
    save: Path | None = None
    #: what the saving folder holds already: its manifest's identity and dtype (or a killed saving run's)
    save_identity: dict[str, Any] | None = None

    @property
    def read_dtype(self) -> str:
        return self.read_manifest.dtype if self.read_manifest is not None else "float32"

    def settings(self) -> dict[str, Any]:
        """For the journal's fingerprint: float32 embeddings give a run's own bytes, so
        they change nothing; float16 ones move the masks."""
        return {"embeddings_dtype": "float16"} if self.read_dtype == "float16" else {}

    def pipeline(self, pipeline: PipelineOptions) -> PipelineOptions:
        return replace(pipeline, embeddings=str(self.read) if self.read_manifest is not None else None,
                       embedding_dtype=self.read_dtype, keep_embeddings=self.save is not None)

    def check_or_exit(self, identity: dict[str, Any]) -> None:
        """Embeddings of another model, weights, precision or runtime are not this run's: exit 2."""
        for option, folder, stored in (("--embeddings", self.read, self.read_manifest and self.read_manifest.identity),
                                       ("--save-embeddings", self.save, self.save_identity)):
            differences = identity_differences(stored, identity) if stored else []
            if differences:
                raise fail(f"{option} {folder}: its embeddings were made otherwise than this run's would be: "
                           f"{'; '.join(differences)}. Give a folder made with this run's model, weights, "
                           "precision and runtime (or another folder)")

    def writers_or_exit(self, model_id: str, weights: Path, weights_sha256: str, settings: dict[str, Any],
                        runtime: str) -> list[Writer]:
        """Once the weights' digest is known: the folders checked against this run, and the
        writer for --save-embeddings (none without it). A new folder's embeddings are
        float32; an existing one's keep its dtype."""
        precision = settings["precision"]
        self.check_or_exit({"model": model_id, "weights_sha256": weights_sha256, "precision": precision,
                            "runtime": runtime})
        if self.save is None:
            return []
        from samcli.writers.embeddings import EmbeddingSaver

        dtype = (self.save_identity or {}).get("dtype") or "float32"
        try:
            return [EmbeddingSaver(self.save, embeddings_header(model_id, weights, weights_sha256, precision, runtime,
                                                                dtype))]
        except SamcliError as exc:
            raise fail(str(exc)) from None


def embedding_folders_or_exit(read: Path | None, save: Path | None) -> EmbeddingFolders:
    """Before the run: --save-embeddings' folder locked (one writer per folder), the
    manifests read. A folder to read that holds nothing is exit 2, unless this run saves
    into it (a cache's first run)."""
    folders = EmbeddingFolders(read=read, save=save)
    try:
        if save is not None:
            lock_or_exit(save / MANIFEST)
            folders.save_identity = _saving_identity(save)
        if read is not None:
            if not read.is_dir() and read != save:
                raise fail(f"--embeddings {read}: no such folder (make it with samcli embed, or --save-embeddings)")
            folders.read_manifest = folder_manifest(read) if read.is_dir() else None
            if folders.read_manifest is None and read != save:
                raise fail(f"--embeddings {read}: no {MANIFEST} there: not a folder written by samcli embed or "
                           "--save-embeddings")
    except SamcliError as exc:
        raise fail(str(exc)) from None
    if folders.read_manifest is not None and not folders.read_manifest.images:
        folders.read_manifest = None  # nothing to read
    return folders


def _saving_identity(folder: Path) -> dict[str, Any] | None:
    """What made the embeddings in a folder to save into: its manifest, or the journal of a
    killed saving run (its embeddings are there, not yet in the manifest)."""
    from samcli.writers.journal import scan

    manifest = folder_manifest(folder) if folder.is_dir() else None
    if manifest is not None:
        return {**manifest.identity, "dtype": manifest.dtype}
    journal = folder / SAVING_JOURNAL
    if journal.is_file() and journal.stat().st_size:
        return scan(journal).fingerprint or None
    return None
