// The launcher behind `npm start`. Plain JavaScript on purpose: an older Node cannot load the
// TypeScript entry point at all, so this file runs far enough to say clearly what is wrong.
const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < REQUIRED_MAJOR) {
  console.error(
    `This platform needs Node.js ${REQUIRED_MAJOR} or newer, but it was started with Node.js ${process.version}. ` +
      'Start it with `npm start`, which uses the Node 24 installed by `npm install` (the "node" devDependency). ' +
      'If that Node is missing, run `npm install` again without --ignore-scripts.',
  );
  process.exit(1);
}
await import('./main.ts');
