"""Fine-tuning: the training loop (`trainer.py`), example encoding and batching (`data.py`,
`schedule.py`), the loss (`loss.py`), resumable checkpoints (`checkpoint.py`) and several
processes (`distributed.py`, `sharding.py`)."""
