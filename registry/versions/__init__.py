"""Published versions of the lists: publishing, withdrawal, comparison and export."""
