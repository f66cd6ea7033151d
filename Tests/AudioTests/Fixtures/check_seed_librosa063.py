#!/usr/bin/env python3
"""Checks the seed-recipe fixtures (librosa 0.11, pad_mode="reflect", squared mel power) against librosa
0.6.3 itself, the version Huang et al.'s preprocess_data.py ran. Not needed by the tests; run by hand:

    python3.7 -m venv /tmp/lr063 && /tmp/lr063/bin/pip install numpy==1.16.2 scipy==1.2.1 numba==0.43.1 \\
        llvmlite==0.28.0 resampy==0.2.1 scikit-learn==0.20.3 joblib==0.13.2 audioread==2.1.6 soundfile librosa==0.6.3
    /tmp/lr063/bin/python Tests/AudioTests/Fixtures/check_seed_librosa063.py

For every 22 050 Hz fixture signal it computes the seed's exact expression on the whole file,
`power_to_db(melspectrogram(y=y, hop_length=256, n_fft=512, n_mels=64) ** 2)` with librosa 0.6.3's defaults,
and prints the largest difference to `<name>.seed.whole.npy` over bins above the fixture's top_db floor.
(The 44.1 kHz file is left out: librosa 0.6.3 resamples with resampy, 0.11 with soxr.)
"""
import pathlib

import librosa
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
NAMES = ["chirp", "white_noise", "silence", "clipped_square", "multitone_onset", "stereo_22k", "short_1500ms"]


def main():
    assert librosa.__version__ == "0.6.3", librosa.__version__
    worst = 0.0
    for name in NAMES:
        y, _ = librosa.load(str(HERE / f"{name}.wav"), sr=22050)
        seed = librosa.power_to_db(librosa.feature.melspectrogram(y=y, hop_length=256, n_fft=512, n_mels=64) ** 2)
        fixture = np.load(HERE / f"{name}.seed.whole.npy")
        assert seed.shape == fixture.shape, (name, seed.shape, fixture.shape)
        above = np.maximum(seed, fixture) > fixture.max() - 80
        delta = float(np.abs(seed - fixture)[above].max()) if above.any() else 0.0
        worst = max(worst, delta)
        print(f"{name}: librosa 0.6.3 vs fixture max |d| = {delta:.3g} dB over {int(above.sum())} bins")
    print(f"largest: {worst:.3g} dB")


if __name__ == "__main__":
    main()
