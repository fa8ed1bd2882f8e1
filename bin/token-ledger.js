#!/usr/bin/env node
// The command line: runs the compiled CLI (npm install builds it).
import('../dist/src/cli/index.js');
