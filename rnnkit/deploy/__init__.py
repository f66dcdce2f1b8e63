"""Deployment: ONNX export (a whole-sequence and a one-step graph), streaming inference and a model server.

Needs the ``deploy`` extra (onnx, onnxruntime, onnxscript, fastapi, uvicorn); see docs/deploy.md.
"""

from .export import StepGraph, export_onnx, read_export
from .streaming import Streamer, UnknownStreamError

__all__ = ["StepGraph", "Streamer", "UnknownStreamError", "export_onnx", "read_export"]
