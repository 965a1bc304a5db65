"""The plan a run makes before it trains: what it will train on (`train.budget`), how long
training and evaluation will take on this machine (measured, cached), and on a reference GPU."""
