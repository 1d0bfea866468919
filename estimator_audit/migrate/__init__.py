"""The Keras rewrite of premade estimators: read the estimator, describe it, emit Keras.

`frontend` reads an estimator's construction and call sites from the `ast` of a file into the
neutral description of `model` (or says exactly why it cannot); `columns` and `emit` write the
Keras code for a description. The description is also what maps the estimator's variables to
the Keras layers, so the runtime shim can carry weights across.
"""
