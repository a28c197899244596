// The emulator is one piece of code for the tests and `npm run sandbox`: it lives in src/emulator/.
export * from "../../src/emulator/fakeTelegram.js";
