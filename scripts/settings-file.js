#!/usr/bin/env node
// Writes .env.example (the shipped settings file) from the settings schema, as built in dist/:
// `npm run settings-file` builds first. The unit test compares the committed file with this text.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { settingsFileText } = require('../dist/src/config/settings-doc');

const file = join(__dirname, '..', '.env.example');
writeFileSync(file, settingsFileText());
console.log(`wrote ${file}`);
