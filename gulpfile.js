// Copies icons beside the compiled nodes and credentials: n8n resolves `file:x.svg` relative to the .js file.
const { src, dest, task } = require('gulp');

function copyIcons() {
	src('nodes/**/*.{png,svg}', { encoding: false }).pipe(dest('dist/nodes'));
	return src('credentials/**/*.{png,svg}', { encoding: false }).pipe(dest('dist/credentials'));
}

task('build:icons', copyIcons);
