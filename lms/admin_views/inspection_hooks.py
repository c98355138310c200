"""OWNED BY A HELPER: replace this stub."""
