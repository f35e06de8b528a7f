#!/usr/bin/env node
// kctl's get and events on their own: the entry of get's bundle (scripts/build-kctl.mjs), which
// the launcher runs for these two commands instead of the full one. They resolve kinds through
// discovery and read with a small HTTP client, so this bundle is a tenth of the full one and
// V8 reads and deserialises a tenth as much at every start.
import { GET_COMMANDS } from './kctl/get-commands.js';
import { main } from './kctl/main.js';

main(GET_COMMANDS);
