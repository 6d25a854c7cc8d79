// skiff CLI entry (placeholder until the command table lands).
process.stdout.write('skiff\n');
