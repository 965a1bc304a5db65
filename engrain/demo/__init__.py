"""The bundled sample domain: a fictional hardware vendor no pretrained model has seen."""
