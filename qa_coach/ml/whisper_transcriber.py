"""openai-whisper as a transcriber: packaged weights offline, official names online.

Decoding is the `whisper` command's: beam search of 5 (best of 5 when sampling), the same
temperature fallback and conditioning on the previous text. Five changes to how the
loaded model computes, none to what it computes (see :func:`_speed_up`), all confined to
the models this module loads: openai-whisper's modules are left as they are, so a model
loaded with ``whisper.load_model`` in the same process decodes exactly as stock.

* beam search's first pass (the previous text plus the start tokens, the same for every
  beam) runs once instead of once per beam, and the beams share its keys/values;
* the vocabulary projection runs as ``embedding @ rows.T``, which reads the 100 MB
  embedding in its stored layout (about half the time of ``rows @ embedding.T``);
* cross-attention for a group of beams reads the one copy of the audio keys/values once
  (openai-whisper broadcasts the single audio row to every beam, which PyTorch's CPU
  attention does by copying it per beam: about half of beam-search time on two cores);
* the encoder's output is kept for the last 30 s window, so word timing, which runs the
  whole model again on that window, and temperature fallbacks do not encode it again;
* word timing's DTW is done in NumPy along anti-diagonals (the same recurrence and tie
  order as openai-whisper's numba version, without its ~8 s compile in every process).

The loaded model becomes an instance of a subclass of openai-whisper's ``Whisper``
(:func:`_fast_model_class`): its ``decode`` runs a ``DecodingTask`` subclass with our
inference class, and its ``transcribe`` is openai-whisper's, with word timing that calls
our DTW.

Results differ from openai-whisper's own computation by float rounding only (logits within
1e-4); the tests check that both write the same words at the same times.
"""

from __future__ import annotations

import dataclasses
import os
import types
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from qa_coach.domain.errors import ModelMissingError, QACoachError
from qa_coach.ml.whisper_checkpoint import PACKAGED_MODELS, packaged_checkpoint

DEFAULT_MODEL = "base"
FAST_MODEL = "tiny.en"
_FALLBACK_SEED = 0  # temperature fallback samples: fixed, so the same audio gives the same words


@dataclass(frozen=True)
class Word:
    text: str  # as Whisper wrote it: a leading space marks a new word ("-0" continues one)
    start: float
    end: float
    probability: float = 1.0


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


@dataclass(frozen=True)
class DecodeSettings:
    language: str | None = "en"  # None: let Whisper detect it
    word_timestamps: bool = True
    beam_size: int | None = 5  # the whisper command's; None or 1: greedy (faster, less accurate)
    condition_on_previous_text: bool = True


def _alignment_mask(heads: list[list[int]], n_layer: int, n_head: int):
    import torch

    mask = torch.zeros(n_layer, n_head, dtype=torch.bool)
    for layer, head in heads:
        mask[layer, head] = True
    return mask.to_sparse()


@lru_cache(maxsize=2)
def load_whisper(name: str = DEFAULT_MODEL):
    """The openai-whisper model ``name``: a packaged model (``base``, ``tiny.en``), a
    checkpoint path, or an official name that whisper downloads itself (needs a network)."""
    import torch
    import whisper

    if name in PACKAGED_MODELS:
        path = packaged_checkpoint(name)
        model = whisper.load_model(str(path), device="cpu")
        heads = torch.load(path, map_location="cpu", weights_only=True, mmap=True)[
            "alignment_heads"
        ]
        if heads:
            model.register_buffer(
                "alignment_heads",
                _alignment_mask(heads, model.dims.n_text_layer, model.dims.n_text_head),
                persistent=False,
            )
        return _speed_up(model.eval())
    if os.path.isfile(name):
        try:
            return _speed_up(whisper.load_model(name, device="cpu").eval())
        except Exception as exc:  # noqa: BLE001 - any unreadable checkpoint
            raise ModelMissingError(f"cannot load Whisper checkpoint {name}: {exc}") from None
    if name in whisper.available_models():
        try:
            return _speed_up(whisper.load_model(name, device="cpu").eval())
        except Exception as exc:  # noqa: BLE001 - download or checksum failure
            raise ModelMissingError(
                f"Whisper '{name}' is not packaged and could not be downloaded ({exc}). "
                f"Without a network use --model {DEFAULT_MODEL} or --model {FAST_MODEL}."
            ) from None
    known = sorted(set(PACKAGED_MODELS) | set(whisper.available_models()))
    raise ModelMissingError(f"unknown Whisper model '{name}'; choose one of {', '.join(known)}")


def _speed_up(model):
    """The same model, computing faster on CPU (module docstring); returns ``model``.

    Only this model object changes: its class becomes our ``Whisper`` subclass (the same
    modules and weights; ``decode`` and ``transcribe`` differ) and its decoder and
    encoder compute as described above.
    """
    model.__class__ = _fast_model_class()
    model.decoder.forward = types.MethodType(_decoder_forward, model.decoder)
    for block in model.decoder.blocks:
        if block.cross_attn is not None:
            block.cross_attn.qkv_attention = types.MethodType(_shared_audio_attention, block.cross_attn)
    model.encoder = _last_window_encoder_class()(model.encoder)
    return model


def _rebound(function: types.FunctionType, **names: object) -> types.FunctionType:
    """openai-whisper's ``function``, unchanged, except that the global ``names`` it calls
    resolve to the given objects: a private copy of its module's namespace, so neither the
    module nor any other caller sees a difference."""
    if function.__closure__ or hasattr(function, "__wrapped__"):
        raise TypeError(f"{function.__qualname__} is not a plain module function")
    missing = set(names) - set(function.__code__.co_names)
    if missing:  # an openai-whisper upgrade renamed what we replace
        raise TypeError(f"{function.__qualname__} does not call {', '.join(sorted(missing))}")
    copy = types.FunctionType(function.__code__, {**function.__globals__, **names}, function.__name__,
                              function.__defaults__)
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__doc__, copy.__qualname__ = function.__doc__, function.__qualname__
    return copy


@lru_cache(maxsize=1)
def _fast_model_class():
    """openai-whisper's ``Whisper`` with our decoding task and our word-timing DTW."""
    import importlib

    import torch
    import whisper.timing
    from whisper.decoding import BeamSearchDecoder, DecodingOptions, DecodingTask
    from whisper.model import Whisper

    transcribe_module = importlib.import_module("whisper.transcribe")  # `whisper.transcribe` is the function
    inference_class = _inference_class()

    class BufferedDecodingTask(DecodingTask):
        """openai-whisper's decoding task, its forward passes run by ``BufferedInference``."""

        def __init__(self, model, options):
            super().__init__(model, options)
            self.inference = inference_class(model, len(self.initial_tokens))
            if isinstance(self.decoder, BeamSearchDecoder):  # it keeps the inference it was given
                self.decoder.inference = self.inference

    find_alignment = _rebound(whisper.timing.find_alignment, dtw=_dtw)
    add_word_timestamps = _rebound(whisper.timing.add_word_timestamps, find_alignment=find_alignment)

    class FastWhisper(Whisper):
        # openai-whisper's transcribe; its word timing calls our DTW
        transcribe = _rebound(transcribe_module.transcribe, add_word_timestamps=add_word_timestamps)

        @torch.no_grad()
        def decode(self, mel, options: DecodingOptions = DecodingOptions(), **kwargs):
            """openai-whisper's ``decode``, through :class:`BufferedDecodingTask`."""
            single = mel.ndim == 2
            if single:
                mel = mel.unsqueeze(0)
            if kwargs:
                options = dataclasses.replace(options, **kwargs)
            result = BufferedDecodingTask(self, options).run(mel)
            return result[0] if single else result

    return FastWhisper


def _decoder_forward(self, x, xa, kv_cache=None):
    """openai-whisper's ``TextDecoder.forward`` (20250625), with a shared prompt pass and
    the vocabulary projection computed as ``weight @ rows.T``.

    Beam search starts all beams from the same tokens (the previous text and the start
    tokens, up to 224): that first pass runs on one row and its keys/values are shared by
    the beams, instead of computing the same rows once per beam.
    """
    n = x.shape[0]
    shared = (
        isinstance(kv_cache, BeamKVCache) and not kv_cache and n > 1 and xa.shape[0] == 1
        and bool((x == x[:1]).all())
    )
    if shared:
        x = x[:1]
    offset = next(iter(kv_cache.values())).shape[1] if kv_cache else 0
    x = self.token_embedding(x) + self.positional_embedding[offset : offset + x.shape[-1]]
    x = x.to(xa.dtype)
    for block in self.blocks:
        x = block(x, xa, mask=self.mask, kv_cache=kv_cache)
    if shared:  # each beam continues from the one prompt
        kv_cache.broadcast(n)
    x = self.ln(x)
    rows = x.reshape(-1, x.shape[-1])
    weight = self.token_embedding.weight.to(x.dtype)
    # (vocab x state) @ (state x rows) streams the 100 MB embedding once, in the layout it is
    # stored in: about 2x faster on CPU than rows @ weight.T for a few beam rows
    logits = (weight @ rows.t()).t().contiguous().reshape(*x.shape[:-1], -1).float()
    if shared:
        logits = logits.expand(n, -1, -1).contiguous()  # filters write into each beam's row
    return logits


def _shared_audio_attention(self, q, k, v, mask=None):
    """Cross-attention where every query row (beam) reads the same single audio row: fold
    the beams into query positions of one row. Attention has no mask across the audio, so
    each query row's result is what it was, without a per-beam copy of the keys/values."""
    from whisper.model import MultiHeadAttention

    n, ctx, state = q.shape
    if n > 1 and k.shape[0] == 1 and mask is None and MultiHeadAttention.use_sdpa:
        wv, qk = MultiHeadAttention.qkv_attention(self, q.reshape(1, n * ctx, state), k, v, None)
        return wv.reshape(n, ctx, state), qk
    return MultiHeadAttention.qkv_attention(self, q, k, v, mask)


class BeamKVCache(dict):
    """openai-whisper's decoder key/value cache (a dict from projection module to its keys
    or values so far) kept in preallocated buffers.

    openai-whisper concatenates each step's new position onto the cache and reorders beams
    by fancy indexing: two fresh copies of every self-attention cache per step, most of it
    page faults on fresh memory (a quarter of a beam-search step here). Here a step writes
    its position in place and a reorder copies rows into a spare buffer that is then
    swapped in. The values seen by attention are the same tensors' contents.
    """

    def __init__(self, self_attention: list, n_ctx: int):
        super().__init__()
        self._self_attention = set(self_attention)
        self._n_ctx = n_ctx
        self._buffers: dict = {}  # module -> [buffer, spare], each (rows, n_ctx, state)

    def store(self, module, output):
        """The forward hook: record ``output`` and return all keys/values so far."""
        if module not in self._self_attention:  # cross-attention: once per window, as is
            self[module] = output
            return output
        import torch

        rows, steps, state = output.shape
        start = self[module].shape[1] if module in self else 0
        pair = self._buffers.get(module)
        if pair is None or pair[0].shape[0] != rows or start + steps > self._n_ctx:
            size = max(self._n_ctx, start + steps)
            pair = [torch.empty(rows, size, state, dtype=output.dtype) for _ in range(2)]
            if start:
                pair[0][:, :start] = self[module]
            self._buffers[module] = pair
        pair[0][:, start : start + steps] = output
        self[module] = pair[0][:, : start + steps]
        return self[module]

    def broadcast(self, rows: int) -> None:
        """Give every beam a copy of the single row computed so far (the shared prompt)."""
        import torch

        for module, (buffer, _) in list(self._buffers.items()):
            length = self[module].shape[1]
            pair = [torch.empty(rows, buffer.shape[1], buffer.shape[2], dtype=buffer.dtype) for _ in range(2)]
            pair[0][:, :length] = buffer[:1, :length]
            self._buffers[module] = pair
            self[module] = pair[0][:, :length]

    def reorder(self, source: list[int]) -> None:
        """Row ``i`` becomes what row ``source[i]`` was (beam search keeps the best)."""
        for module, pair in self._buffers.items():
            length = self[module].shape[1]
            buffer, spare = pair
            for row, src in enumerate(source):
                spare[row, :length].copy_(buffer[src, :length])
            pair.reverse()
            self[module] = spare[:, :length]


@lru_cache(maxsize=1)
def _inference_class():
    """openai-whisper's ``PyTorchInference``, keeping the keys/values in :class:`BeamKVCache`
    (for the models made by :func:`_speed_up`, whose decoder shares the prompt pass)."""
    from whisper.decoding import PyTorchInference

    class BufferedInference(PyTorchInference):
        def logits(self, tokens, audio_features):
            if not self.kv_cache:
                cache = BeamKVCache(self.kv_modules, self.model.dims.n_text_ctx)
                self.kv_cache = cache
                self.hooks = [
                    module.register_forward_hook(lambda m, _, out: cache.store(m, out))
                    for block in self.model.decoder.blocks
                    for attn in (block.attn, block.cross_attn)
                    if attn is not None
                    for module in (attn.key, attn.value)
                ]
            if tokens.shape[-1] > self.initial_token_length:
                tokens = tokens[:, -1:]  # only the new token after the first pass
            return self.model.decoder(tokens, audio_features, kv_cache=self.kv_cache)

        def rearrange_kv_cache(self, source_indices):
            if not isinstance(self.kv_cache, BeamKVCache):
                return super().rearrange_kv_cache(source_indices)
            if source_indices != list(range(len(source_indices))):
                self.kv_cache.reorder(source_indices)

    return BufferedInference


@lru_cache(maxsize=1)
def _last_window_encoder_class():
    import torch  # the class derives from torch's Module: defined once torch is imported

    class LastWindowEncoder(torch.nn.Module):
        """The audio encoder, remembering its output for the last input it saw."""

        def __init__(self, encoder):
            super().__init__()
            self.inner = encoder
            self._last: tuple | None = None  # (mel, features), replaced in one assignment

        def forward(self, mel):
            last = self._last
            if last is not None and last[0].shape == mel.shape and torch.equal(last[0], mel):
                return last[1]
            features = self.inner(mel)
            self._last = (mel.detach().clone(), features)
            return features

    return LastWindowEncoder


def _dtw(x) -> np.ndarray:
    """openai-whisper's ``dtw_cpu`` recurrence on ``-matrix`` (a torch tensor), computed one
    anti-diagonal at a time; returns its backtrace (text indices, time indices)."""
    from whisper.timing import backtrace

    x = x.double().cpu().numpy()
    n, m = x.shape
    cost = np.full((n + 1, m + 1), np.inf, dtype=np.float32)
    trace = -np.ones((n + 1, m + 1), dtype=np.float32)
    cost[0, 0] = 0
    for d in range(2, n + m + 1):  # cells (i, j) with i + j == d, 1 <= i <= n, 1 <= j <= m
        i = np.arange(max(1, d - m), min(n, d - 1) + 1)
        j = d - i
        c0, c1, c2 = cost[i - 1, j - 1], cost[i - 1, j], cost[i, j - 1]
        t = np.where((c0 < c1) & (c0 < c2), 0, np.where((c1 < c0) & (c1 < c2), 1, 2))
        c = np.where(t == 0, c0, np.where(t == 1, c1, c2))
        cost[i, j] = x[i - 1, j - 1] + c
        trace[i, j] = t
    return backtrace(trace)


def check_language(model_name: str, settings: DecodeSettings) -> None:
    """An English-only checkpoint (``*.en``) refuses any other language, naming the model to use."""
    if model_name.endswith(".en") and settings.language not in (None, "en"):
        raise QACoachError(
            f"Whisper {model_name} understands English only; "
            f"use --model {DEFAULT_MODEL} for language '{settings.language}'"
        )


class WhisperTranscriber:
    """Transcribes 16 kHz float32 arrays; times are seconds from the array's start."""

    def __init__(self, model_name: str = DEFAULT_MODEL, settings: DecodeSettings = DecodeSettings()):
        check_language(model_name, settings)
        self.model_name = model_name
        self.settings = settings
        self.model = load_whisper(model_name)

    def transcribe(self, audio: np.ndarray) -> list[Segment]:
        import torch

        if len(audio) == 0:
            return []
        s = self.settings
        kwargs: dict[str, Any] = dict(
            language=s.language,
            task="transcribe",
            fp16=False,
            verbose=None,
            word_timestamps=s.word_timestamps,
            condition_on_previous_text=s.condition_on_previous_text,
        )
        if s.beam_size and s.beam_size > 1:
            kwargs.update(beam_size=s.beam_size, best_of=s.beam_size)
        # Temperature fallback samples from torch's generator, which a new process seeds at
        # random: a fixed seed makes the same audio give the same words in every process
        # and whatever was drawn before (the caller's generator state is restored).
        with torch.random.fork_rng(devices=[]), torch.inference_mode():
            torch.manual_seed(_FALLBACK_SEED)
            result = self.model.transcribe(np.ascontiguousarray(audio, np.float32), **kwargs)
        return [_segment(seg) for seg in result["segments"] if seg["text"].strip()]


def _segment(seg: dict) -> Segment:
    words = tuple(
        Word(w["word"], float(w["start"]), float(w["end"]), float(w.get("probability", 1.0)))
        for w in seg.get("words") or ()
        if w["word"].strip()
    )
    return Segment(
        start=float(seg["start"]),
        end=float(seg["end"]),
        text=seg["text"].strip(),
        words=words,
        avg_logprob=float(seg.get("avg_logprob", 0.0)),
        no_speech_prob=float(seg.get("no_speech_prob", 0.0)),
    )
