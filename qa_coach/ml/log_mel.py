"""Whisper's input features in NumPy: the log-mel spectrogram openai-whisper computes.

The same steps as openai-whisper's ``log_mel_spectrogram`` (its 400-sample periodic Hann
window, a hop of 160, reflection at both ends, the power spectrum without its last frame,
the package's own mel filter bank, log10 floored at 1e-10, at most 8 below the maximum,
then (x + 4) / 4), computed by NumPy's FFT instead of PyTorch's, so the fast engine runs
without PyTorch. Tests hold it to openai-whisper's own function.
"""

from __future__ import annotations

import numpy as np

from qa_coach.ml.whisper_package import mel_filters

N_FFT = 400
HOP_LENGTH = 160


def _hann(n: int) -> np.ndarray:
    """The periodic Hann window (as PyTorch's ``hann_window`` default)."""
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32)


def log_mel_spectrogram(audio: np.ndarray, n_mels: int = 80, padding: int = 0) -> np.ndarray:
    """``n_mels`` × frames log-mel features of 16 kHz ``audio`` followed by ``padding`` zeros."""
    x = np.asarray(audio, np.float32)
    if padding > 0:
        x = np.concatenate([x, np.zeros(padding, np.float32)])
    x = np.pad(x, N_FFT // 2, mode="reflect")  # the STFT's centred frames
    frames = 1 + (len(x) - N_FFT) // HOP_LENGTH
    windows = np.lib.stride_tricks.as_strided(
        x, shape=(frames, N_FFT), strides=(x.strides[0] * HOP_LENGTH, x.strides[0]), writeable=False
    )
    spectrum = np.fft.rfft(windows * _hann(N_FFT), axis=1)
    power = (spectrum.real ** 2 + spectrum.imag ** 2)[:-1].astype(np.float32)  # frames × 201, last frame dropped
    mel = mel_filters(n_mels) @ power.T
    log_spec = np.log10(np.maximum(mel, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).astype(np.float32)


__all__ = ["HOP_LENGTH", "N_FFT", "log_mel_spectrogram"]
