// Language runtimes a dev environment's workspace can run (the vision's
// "a container with the app's runtime"): the official image with the toolchain
// and the port its dev server listens on by convention.

export interface Runtime {
  title: string;
  /** Image with the toolchain (Debian-based, so the usual tools are there). */
  image: string;
  /** The dev server's conventional port. */
  port: number;
  /** Words that name it in a request ("django" → python). */
  words: string[];
}

export const RUNTIMES = {
  node: {
    title: "Node.js 22",
    image: "node:22-bookworm",
    port: 3000,
    words: ["node", "nodejs", "javascript", "typescript", "react", "nextjs", "next", "vue", "express"],
  },
  python: { title: "Python 3.12", image: "python:3.12-bookworm", port: 8000, words: ["python", "django", "flask", "fastapi"] },
  go: { title: "Go 1.23", image: "golang:1.23-bookworm", port: 8080, words: ["go", "golang"] },
  ruby: { title: "Ruby 3.3", image: "ruby:3.3-bookworm", port: 3000, words: ["ruby", "rails"] },
  php: { title: "PHP 8.3", image: "php:8.3-cli-bookworm", port: 8000, words: ["php", "laravel", "symfony"] },
  java: { title: "Java 21 (Temurin)", image: "eclipse-temurin:21-jdk", port: 8080, words: ["java", "spring", "kotlin"] },
} as const satisfies Record<string, Runtime>;

export type RuntimeName = keyof typeof RUNTIMES;
export const RUNTIME_NAMES = Object.keys(RUNTIMES) as [RuntimeName, ...RuntimeName[]];
