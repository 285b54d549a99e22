"""The seed's temporal coherence, written the straightforward way: the reference for tests.

OpenCV ``VideoCapture`` reads every frame, each sampled frame goes BGR -> gray, and scikit-image
computes SSIM with its default settings against the previous sampled frame. The only change
from the seed is DESIGN.md's ``frame_interval`` of at least 1 (the seed divides by zero under
``sample_rate`` fps). ``media_pipeline.metrics`` must agree with this to 1e-4.

    python -m tests.perf.reference_coherence CLIP [SAMPLE_RATE]
"""

import json
import sys

import cv2
import numpy as np
from skimage.metrics import structural_similarity


def reference_ssim_scores(video_path, sample_rate: int = 5) -> list[float]:
    """Return the SSIM of every sampled frame against the previous sampled frame."""
    cap = cv2.VideoCapture(str(video_path))
    fps = cap.get(cv2.CAP_PROP_FPS)
    frame_interval = max(1, int(fps / sample_rate))
    scores, prev_frame, frame_idx = [], None, 0
    while cap.isOpened():
        ret, frame = cap.read()
        if not ret:
            break
        if frame_idx % frame_interval == 0:
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            if prev_frame is not None:
                scores.append(structural_similarity(prev_frame, gray))
            prev_frame = gray
        frame_idx += 1
    cap.release()
    return scores


def reference_coherence(video_path, sample_rate: int = 5) -> dict:
    """Return the seed's four numbers for ``video_path``."""
    scores = reference_ssim_scores(video_path, sample_rate)
    return {
        "mean_coherence": float(np.mean(scores)),
        "min_coherence": float(np.min(scores)),
        "std_coherence": float(np.std(scores)),
        "frame_count": len(scores),
    }


if __name__ == "__main__":
    rate = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(json.dumps(reference_coherence(sys.argv[1], rate)))
