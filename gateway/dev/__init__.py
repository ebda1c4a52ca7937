"""Development mode: everything in one terminal, nothing to install."""
