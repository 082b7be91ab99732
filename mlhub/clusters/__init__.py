"""The platform's clusters: which services run where, how to reach them, and whether they are up.

Content is clusters/NAME.yaml (read by mlhub.content); this package answers questions about it:
`query` (where a service runs, what a cluster runs), `health` (the check), `changes` (the status
changes to announce), `endpoints` (what tutorials connect to) and `text` (the words)."""

from __future__ import annotations

from mlhub.clusters.endpoints import Endpoints, endpoints
from mlhub.clusters.query import ClusterError

__all__ = ["ClusterError", "Endpoints", "endpoints"]
