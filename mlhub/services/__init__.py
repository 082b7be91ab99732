"""The live services tutorials run against: an MLflow tracking server and Kubeflow Pipelines."""
