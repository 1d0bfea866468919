"""The Keras rewrites, as a small compiler: front ends read legacy code into the neutral
description of `model`, back ends write Keras code for it, and the rewrite modules place it.

Front ends: `frontend` (premade estimators), `graph` (TF1 Session training scripts) and
`model_fn` (custom Estimators' model_fns); the last two share `graph_code`, the translation of TF1
graph code (ops, layers, losses, optimizers, keywords) to TensorFlow 2 and Keras 3. Back end:
`emit` (and `metrics`, `defaults` for the estimators' own numbers). Placement: `rewrite` (an
estimator and every use of it across the program, through `flow` and `inputs`), `script_rewrite`
(a Session script). Each says exactly why when it cannot translate faithfully (model.Unsupported).
The description is also what maps legacy variables to Keras ones, so `compare` can carry
weights across.
"""
