// The CLI's build: Nest's default webpack configuration with two packages a command never needs replaced by
// stand-ins (a faster start for every command): the OpenAPI decorators of the shared DTOs
// (src/swagger-decorators.stub.ts) and inquirer, which nest-commander loads eagerly (src/inquirer.stub.ts).
// nest-commander is bundled so that its `require('inquirer')` reaches the replacement.
const path = require('node:path');

const REPLACED = [
  [/^@nestjs\/swagger$/, 'src/swagger-decorators.stub.ts'],
  [/^inquirer$/, 'src/inquirer.stub.ts'],
];
// Also bundled: class-validator and its validators, a few hundred small files that load faster as one.
const BUNDLED = /^(@nestjs\/swagger|inquirer|nest-commander|class-validator|validator|libphonenumber-js)(\/|$)/;

module.exports = (options, webpack) => ({
  ...options,
  // main.js installs the compile cache (src/launcher.ts), then loads the commands from cli.js next to it.
  entry: { main: path.resolve(__dirname, 'src/launcher.ts'), cli: options.entry },
  output: { ...options.output, filename: options.output.filename.replace(/main\.js$/, '[name].js') },
  externals: options.externals.map((external) =>
    typeof external === 'function'
      ? (data, callback) => (BUNDLED.test(data.request) ? callback() : external(data, callback))
      : external,
  ),
  plugins: [
    ...options.plugins,
    ...REPLACED.map(
      ([request, stub]) => new webpack.NormalModuleReplacementPlugin(request, path.resolve(__dirname, stub)),
    ),
  ],
});
