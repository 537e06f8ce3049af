// Copies icons beside the compiled nodes and credentials: n8n resolves `file:x.svg` relative to the .js file.
const { src, dest, parallel, task } = require('gulp');

const copy = (from, to) => () => src(from, { encoding: false }).pipe(dest(to));

task(
	'build:icons',
	parallel(copy('icons/*.svg', 'dist/icons'), copy('nodes/**/*.{png,svg}', 'dist/nodes'), copy('credentials/**/*.{png,svg}', 'dist/credentials')),
);

// The map catalog ships as data: lib/maps/catalog reads `../../maps` from dist/lib/maps, i.e. dist/maps.
task('build:maps', copy('maps/*.json', 'dist/maps'));
