enum _NodePlaceholder {}
