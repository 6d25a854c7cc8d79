// The CLI's version (package.json's), a constant so `skiff --version` reads no file.
export const VERSION = '0.1.0';
